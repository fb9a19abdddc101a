"""The slot counters of a tree's messages (children, claims, rankings), recomputed from the rows.

The hand-out and the submissions keep these counters in step; the re-check and backlog activation compare
them with the rows and repair them.
"""

import uuid

from annotation.models import RANKING_TASK_TYPES, REPLY_TASK_TYPES, REVIEW_TASK_TYPES, Message, MessageTree
from annotation.services.tree_state import TreeFacts, tree_facts

# Denormalised slot counters of a message.
COUNTER_FIELDS = ("children_count", "reply_claims", "review_claims", "ranking_claims", "ranking_count")


def _expected_counters(facts: TreeFacts) -> dict[uuid.UUID, dict[str, int]]:
    expected = {m.pk: dict.fromkeys(COUNTER_FIELDS, 0) for m in facts.messages}
    for parent_id, children in facts.children.items():
        if parent_id in expected:
            expected[parent_id]["children_count"] = len(children)
    for parent_id, n in facts.rankings.items():
        if parent_id in expected:
            expected[parent_id]["ranking_count"] = n
    for task_type, parent_id, message_id in facts.open_tasks:
        if task_type in REPLY_TASK_TYPES and parent_id in expected:
            expected[parent_id]["reply_claims"] += 1
        elif task_type in RANKING_TASK_TYPES and parent_id in expected:
            expected[parent_id]["ranking_claims"] += 1
        elif task_type in REVIEW_TASK_TYPES and message_id in expected:
            expected[message_id]["review_claims"] += 1
    return expected


def counter_mismatches(facts: TreeFacts) -> list[Message]:
    """The messages whose counters differ from their rows, with the right values set on them."""
    wrong = []
    expected = _expected_counters(facts)
    for message in facts.messages:
        values = expected[message.pk]
        if any(getattr(message, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(message, name, value)
            wrong.append(message)
    return wrong


def repair_counters(tree: MessageTree) -> int:
    """Recompute the slot counters of a tree's messages; the rows are locked first, so no claim slips in."""
    list(Message.objects.filter(tree=tree).order_by("pk").select_for_update(no_key=True).values_list("pk"))
    wrong = counter_mismatches(tree_facts(tree))
    Message.objects.bulk_update(wrong, COUNTER_FIELDS)
    return len(wrong)
