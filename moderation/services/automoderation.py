"""Auto-moderation (SPEC 5): the platform halts trees, aborts flagged prompts and hides flagged replies on its
own, and records that it did (kind ``auto``, no moderator, the rule in ``details``)."""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.models import ACTIVE_TREE_STATES, REPLY_TASK_TYPES, Message, Report, Task, TaskState
from annotation.services.tree_state_changes import lock_tree
from annotation.services.tree_transitions import abort_tree, halt_tree
from moderation.models import ModerationAction
from moderation.services.audit import record_action
from moderation.services.messages import hide_messages, subtree_ids
from moderation.services.trees import lock_tree_with_messages, recheck_affected_trees
from toxicity.conf import toxicity_settings
from toxicity.models import TOXICITY_REPORT_TYPE


def halt_if_skipped_too_often(*, tree_id: uuid.UUID, now: datetime | None = None) -> bool:
    """A tree whose reply tasks were skipped too often is halted; returns whether it was.

    Skips before the tree's last resume (or last automatic halt) no longer count.
    """
    cfg = settings.TREE_MANAGER
    resets = Q(kind=ModerationAction.Kind.RESUME_TREE) | Q(
        kind=ModerationAction.Kind.AUTO, details__rule="auto_mod_max_skip_reply"
    )
    last = ModerationAction.objects.filter(resets, tree_id=tree_id).order_by("-created_at").first()
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


def red_flag_count(message_id: uuid.UUID) -> int:
    """Distinct users with an open report (a red flag is one) on the message: a dismissal starts the count anew.
    A toxicity flag is the classifier's, not a volunteer's: it does not count."""
    open_reports = Report.objects.filter(message_id=message_id, resolved_at__isnull=True).exclude(
        report_type=TOXICITY_REPORT_TYPE
    )
    users = open_reports.exclude(user__isnull=True).values("user").distinct().count()
    return users + open_reports.filter(user__isnull=True).count()


def moderate_flagged_message(*, message_id: uuid.UUID, now: datetime | None = None) -> str | None:
    """A prompt with ``auto_mod_red_flags`` red flags aborts its tree (aborted_low_grade); a reply with as many
    is hidden with its subtree. Returns the action taken ("abort_tree", "hide_message") or None; a second call
    finds nothing left to do."""
    threshold = settings.TREE_MANAGER.auto_mod_red_flags
    now = now or timezone.now()
    message = Message.objects.filter(pk=message_id).only("pk", "tree_id", "parent_id").first()
    if message is None or red_flag_count(message_id) < threshold:
        return None
    with transaction.atomic():
        tree = lock_tree_with_messages(message.tree_id)
        message = Message.objects.select_for_update(no_key=True).get(pk=message_id)
        flags = red_flag_count(message_id)
        if flags < threshold or message.deleted:
            return None
        rule = {"rule": "auto_mod_red_flags", "red_flags": flags}
        reason = _("The message received %(count)d red flags.") % {"count": flags}
        if message.parent_id is None:
            if tree.state not in ACTIVE_TREE_STATES:
                return None
            before = tree.state
            tree = abort_tree(tree=tree, now=now)
            details = {**rule, "action": "abort_tree", "state": {"before": before, "after": tree.state}}
            record_action(
                moderator=None,
                kind=ModerationAction.Kind.AUTO,
                reason=reason,
                message=message,
                tree=tree,
                target_user=message.author,
                details=details,
            )
            return "abort_tree"
        hidden = hide_messages(
            message_ids=subtree_ids(tree_id=tree.pk, root_ids=[message.pk]), resolved_by=None, now=now
        )
        states = recheck_affected_trees(tree_ids=[tree.pk], now=now)
        details = {
            **rule,
            "action": "hide_message",
            "hidden_ids": [str(pk) for pk in hidden],
            "tree_state": states[str(tree.pk)],
        }
        record_action(
            moderator=None,
            kind=ModerationAction.Kind.AUTO,
            reason=reason,
            message=message,
            tree=tree,
            target_user=message.author,
            details=details,
        )
        return "hide_message"


def hide_toxic_message(
    *, message_id: uuid.UUID, model_name: str, score: float, now: datetime | None = None
) -> list[uuid.UUID] | None:
    """A message a classifier scored at or above ``TOXICITY_HIDE_THRESHOLD`` (off when unset) is hidden with its
    subtree, once per model: a moderator who restores it is not overruled by the next scoring. Returns the ids
    hidden, or None."""
    threshold = toxicity_settings().hide_threshold
    if threshold is None or score < threshold:
        return None
    now = now or timezone.now()
    message = Message.objects.filter(pk=message_id, deleted=False).only("pk", "tree_id").first()
    if message is None:
        return None
    with transaction.atomic():
        tree = lock_tree_with_messages(message.tree_id)
        message = Message.objects.select_for_update(no_key=True).get(pk=message_id)
        done_before = ModerationAction.objects.filter(
            message=message,
            kind=ModerationAction.Kind.AUTO,
            details__rule="toxicity_hide_threshold",
            details__model=model_name,
        ).exists()
        if message.deleted or done_before:
            return None
        hidden = hide_messages(
            message_ids=subtree_ids(tree_id=tree.pk, root_ids=[message.pk]), resolved_by=None, now=now
        )
        states = recheck_affected_trees(tree_ids=[tree.pk], now=now)
        record_action(
            moderator=None,
            kind=ModerationAction.Kind.AUTO,
            reason=_("A classifier (%(model)s) scored the message's toxicity %(score).2f.")
            % {"model": model_name, "score": score},
            message=message,
            tree=tree,
            target_user=message.author,
            details={
                "rule": "toxicity_hide_threshold",
                "model": model_name,
                "score": score,
                "threshold": threshold,
                "action": "hide_message",
                "hidden_ids": [str(pk) for pk in hidden],
                "tree_state": states[str(tree.pk)],
            },
        )
    return hidden
