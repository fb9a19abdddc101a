"""Writing a tree's state: the row lock every move takes, and the one place a state is set.

The modules that move trees (transitions, scoring, the prompt lottery, the backlog) all build on these two.
"""

import uuid
from datetime import datetime

from annotation.models import MessageTree, TreeState


def lock_tree(tree_id: uuid.UUID) -> MessageTree:
    """The tree's row, locked until the caller's transaction ends."""
    return MessageTree.objects.select_for_update(no_key=True).get(pk=tree_id)


def set_state(tree: MessageTree, state: str, now: datetime) -> None:
    """Put a tree in ``state``; its first move to growing marks it activated."""
    tree.state = state
    tree.state_changed_at = now
    if state == TreeState.GROWING and tree.activated_at is None:
        tree.activated_at = now
    tree.save(update_fields=["state", "state_changed_at", "activated_at", "state_before_halt"])
