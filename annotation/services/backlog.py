"""The ranking backlog (SPEC 2): imported trees waiting for rankings enter ranking one at a time."""

import logging
import random
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotation.models import Message, MessageTree, TreeState
from annotation.services.slot_counters import repair_counters
from annotation.services.tree_state_changes import set_state

logger = logging.getLogger(__name__)

# Tests replace it with a seeded generator.
rng = random.Random()


def maybe_activate_backlog(*, lang: str, now: datetime | None = None) -> MessageTree | None:
    """With probability ``p_activate_backlog_tree``, move one backlog tree of ``lang`` to ranking.

    The tree is returned locked (until the caller's transaction ends); the caller then brings it to the state
    its messages call for, as it may already hold every ranking it needs.
    """
    if rng.random() >= settings.TREE_MANAGER.p_activate_backlog_tree:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        tree = (
            MessageTree.objects.filter(state=TreeState.BACKLOG_RANKING, lang=lang)
            .order_by("?")
            .select_for_update(skip_locked=True, no_key=True)
            .first()
        )
        if tree is None:
            return None
        # Imported trees carry no slot counters yet, and are complete as they are: they do not grow.
        repair_counters(tree)
        accepted = Message.objects.filter(tree=tree, review_result=True, deleted=False).count()
        tree.goal_tree_size = min(tree.goal_tree_size, accepted)
        tree.save(update_fields=["goal_tree_size"])
        set_state(tree, TreeState.RANKING, now)
        logger.info("backlog tree %s entered ranking (%s)", tree.pk, lang)
    return tree
