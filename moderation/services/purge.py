"""Purging a user (SPEC 5): first a preview of exactly what would be hidden, then the purge that hides it."""

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from annotation.models import Message
from moderation.errors import PurgePlanChanged
from moderation.models import ModerationAction
from moderation.services.audit import check_moderator, record_action
from moderation.services.messages import hide_messages, subtree_ids
from moderation.services.trees import lock_tree_with_messages, recheck_affected_trees


@dataclass(frozen=True)
class PurgePlan:
    """What a purge hides: the user's live messages and every live reply under them, and the trees re-checked."""

    authored_ids: tuple[uuid.UUID, ...]
    message_ids: tuple[uuid.UUID, ...]
    tree_ids: tuple[uuid.UUID, ...]


def purge_preview(*, user: User) -> PurgePlan:
    authored_by_tree = defaultdict(list)
    live = Message.objects.filter(author=user, deleted=False).order_by("pk")
    for pk, tree_id in live.values_list("pk", "tree_id"):
        authored_by_tree[tree_id].append(pk)
    message_ids = set()
    for tree_id, roots in authored_by_tree.items():
        message_ids.update(subtree_ids(tree_id=tree_id, root_ids=roots))
    message_ids = set(Message.objects.filter(pk__in=message_ids, deleted=False).values_list("pk", flat=True))
    return PurgePlan(
        authored_ids=tuple(sorted(pk for pks in authored_by_tree.values() for pk in pks)),
        message_ids=tuple(sorted(message_ids)),
        tree_ids=tuple(sorted(authored_by_tree)),
    )


def purge_user(
    *, moderator: User, user: User, reason: str, expected_message_ids: Collection[uuid.UUID] | None = None
) -> PurgePlan:
    """Hide everything ``purge_preview`` lists, re-check every affected tree; returns the plan carried out.

    With ``expected_message_ids`` (the preview a moderator confirmed), nothing is hidden unless the plan is still
    exactly those messages."""
    check_moderator(moderator)
    now = timezone.now()
    with transaction.atomic():
        locked: set[uuid.UUID] = set()
        while True:
            # Lock the trees first (in id order, as every tree lock is taken), then plan under the locks; a
            # message written meanwhile in another tree means one more round.
            for tree_id in sorted(set(purge_preview(user=user).tree_ids) - locked):
                lock_tree_with_messages(tree_id)
                locked.add(tree_id)
            plan = purge_preview(user=user)
            if set(plan.tree_ids) <= locked:
                break
        if expected_message_ids is not None and set(plan.message_ids) != set(expected_message_ids):
            raise PurgePlanChanged()
        hidden = hide_messages(message_ids=plan.message_ids, resolved_by=moderator, now=now)
        states = recheck_affected_trees(tree_ids=plan.tree_ids, now=now)
        record_action(
            moderator=moderator,
            kind=ModerationAction.Kind.PURGE_USER,
            reason=reason,
            target_user=user,
            details={
                "authored_messages": len(plan.authored_ids),
                "hidden_messages": len(hidden),
                "trees_rechecked": len(plan.tree_ids),
                "tree_states": states,
            },
        )
    return plan
