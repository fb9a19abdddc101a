"""Moderator actions on trees: halt and resume (recorded), and the re-check every moderator action ends with."""

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from annotation.models import Message, MessageTree, Task, TaskState
from annotation.services import tree_transitions
from annotation.services.tree_checks import recheck_tree
from annotation.services.tree_state_changes import lock_tree
from moderation.models import ModerationAction
from moderation.services.audit import check_moderator, record_action


def lock_tree_with_messages(tree_id: uuid.UUID) -> MessageTree:
    """Lock a tree's open tasks, then its row, then its messages' rows (each in id order, as the re-check does).

    Tasks first, as everywhere: a submission (or a skip, a release) locks its task, then the message the task is
    about. One under way when the moderator acts finishes first; one that starts later waits, then finds its
    message hidden. Had the moderator's transaction taken the messages first, each side would hold what the other
    waits for.
    """
    open_tasks = Task.objects.filter(tree_id=tree_id, state=TaskState.OPEN).order_by("pk")
    list(open_tasks.select_for_update(no_key=True).values_list("pk"))
    tree = lock_tree(tree_id)
    list(Message.objects.filter(tree_id=tree_id).order_by("pk").select_for_update(no_key=True).values_list("pk"))
    return tree


def recheck_affected_trees(*, tree_ids: Iterable[uuid.UUID], now: datetime) -> dict[str, dict[str, str]]:
    """Re-check trees after their messages or tasks changed, inside the caller's transaction: slot counters are
    recomputed and each tree moved to the state its messages call for. Returns {tree id: {before, after}}."""
    states = {}
    for tree_id in sorted(set(tree_ids)):
        tree = lock_tree(tree_id)
        before = tree.state
        recheck_tree(tree=tree, fix=True, now=now)
        tree.refresh_from_db(fields=["state"])
        states[str(tree_id)] = {"before": before, "after": tree.state}
    return states


def _change_state(
    *, moderator: User, tree: MessageTree, reason: str, kind: str, change: Callable[..., MessageTree]
) -> MessageTree:
    """Run one of annotation's state changes on the tree and record it, with the state before and after."""
    check_moderator(moderator)
    now = timezone.now()
    with transaction.atomic():
        before = lock_tree(tree.pk).state
        tree = change(tree=tree, now=now)
        record_action(
            moderator=moderator,
            kind=kind,
            reason=reason,
            tree=tree,
            details={"state": {"before": before, "after": tree.state}},
        )
    return tree


def halt_tree(*, moderator: User, tree: MessageTree, reason: str) -> MessageTree:
    """Stop a tree (no tasks are handed out for it) until a moderator resumes it."""
    kind = ModerationAction.Kind.HALT_TREE
    return _change_state(moderator=moderator, tree=tree, reason=reason, kind=kind, change=tree_transitions.halt_tree)


def resume_tree(*, moderator: User, tree: MessageTree, reason: str) -> MessageTree:
    """Return a halted tree to where it was, then move it on as its messages call for."""
    kind = ModerationAction.Kind.RESUME_TREE
    return _change_state(moderator=moderator, tree=tree, reason=reason, kind=kind, change=tree_transitions.resume_tree)
