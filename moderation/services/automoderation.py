"""Auto-moderation (SPEC 5): the platform halts trees on its own, and records that it did."""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from annotation.models import ACTIVE_TREE_STATES, REPLY_TASK_TYPES, Task, TaskState
from annotation.services.tree_state_changes import lock_tree
from annotation.services.tree_transitions import halt_tree
from moderation.models import ModerationAction


def halt_if_skipped_too_often(*, tree_id: uuid.UUID, now: datetime | None = None) -> bool:
    """A tree whose reply tasks were skipped too often is halted; returns whether it was.

    Skips before the tree's last resume (or last automatic halt) no longer count.
    """
    cfg = settings.TREE_MANAGER
    kinds = (ModerationAction.Kind.RESUME_TREE, ModerationAction.Kind.AUTO)
    last = ModerationAction.objects.filter(tree_id=tree_id, kind__in=kinds).order_by("-created_at").first()
    skips = Task.objects.filter(tree_id=tree_id, type__in=REPLY_TASK_TYPES, state=TaskState.SKIPPED)
    if last is not None:
        skips = skips.filter(closed_at__gt=last.created_at)
    count = skips.count()
    if count < cfg.auto_mod_max_skip_reply:
        return False
    with transaction.atomic():
        tree = lock_tree(tree_id)
        if tree.state not in ACTIVE_TREE_STATES:
            return False
        halt_tree(tree=tree, now=now)
        ModerationAction.objects.create(
            kind=ModerationAction.Kind.AUTO,
            tree=tree,
            reason=_("Replies to this tree were skipped %(count)d times.") % {"count": count},
            details={"rule": "auto_mod_max_skip_reply", "skips": count},
        )
    return True
