"""The facts of a message tree and the state they call for (SPEC 2).

A tree's state is a function of its messages, reviews, rankings and open reply claims; the transitions
(``tree_transitions``) move a tree to the state derived here.
"""

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count

from annotation.models import REPLY_TASK_TYPES, Message, MessageTree, Ranking, Role, Task, TaskState, TreeState


@dataclass
class TreeFacts:
    messages: list[Message]
    rankings: Counter  # parent id -> rankings received (not_rankable included)
    open_tasks: list[tuple[str, uuid.UUID | None, uuid.UUID | None]]  # (type, parent_message_id, message_id)
    children: dict = field(default_factory=lambda: defaultdict(list))  # parent id -> live, not rejected children

    def __post_init__(self) -> None:
        for message in self.messages:
            if message.parent_id is not None and not message.deleted and message.review_result is not False:
                self.children[message.parent_id].append(message)


def tree_facts(tree: MessageTree) -> TreeFacts:
    """The tree's messages (oldest first), the rankings per parent and the open tasks, in three queries."""
    return TreeFacts(
        messages=list(Message.objects.filter(tree=tree).order_by("created_at", "pk")),
        rankings=Counter(
            dict(Ranking.objects.filter(tree=tree).values("parent").annotate(n=Count("pk")).values_list("parent", "n"))
        ),
        open_tasks=list(
            Task.objects.filter(tree=tree, state=TaskState.OPEN).values_list("type", "parent_message", "message")
        ),
    )


def reply_limit(parent: Message, tree: MessageTree) -> int:
    """How many live children ``parent`` may have (SPEC 2, step 4)."""
    if parent.role == Role.PROMPTER:
        return tree.max_children_count
    return settings.TREE_MANAGER.num_prompter_replies


def rankable_parents(facts: TreeFacts) -> dict[uuid.UUID, list[Message]]:
    """Accepted live parents with two or more accepted live children -> those children."""
    accepted_ids = {m.pk for m in facts.messages if m.review_result and not m.deleted}
    rankable = {}
    for parent_id, children in facts.children.items():
        accepted = [c for c in children if c.review_result]
        if parent_id in accepted_ids and len(accepted) >= 2:
            rankable[parent_id] = accepted
    return rankable


def _awaits_review(tree: MessageTree, live: list[Message]) -> bool:
    """Whether an undecided reply keeps the tree growing (SPEC 2, step 4: a tree goes to ranking when none
    awaits review).

    A tree past growing is never sent back for one. This platform moves no tree on while a reply is
    undecided, but a release holds trees in ranking or later with replies never decided (its platform ranked
    a tree once it held enough accepted replies), and a moderator may restore an undecided reply after its
    tree moved on: such a reply stays out of the ranking (only accepted replies are ranked) and the tree goes on.
    """
    if tree.state in (TreeState.RANKING, TreeState.READY_FOR_SCORING, TreeState.SCORING_FAILED):
        return False
    return any(m.review_result is None for m in live)


def derived_state(tree: MessageTree, facts: TreeFacts) -> str:
    """The state an active tree's facts call for."""
    cfg = settings.TREE_MANAGER
    root = next((m for m in facts.messages if m.parent_id is None), None)
    if root is None or root.deleted or root.review_result is False:
        return TreeState.ABORTED_LOW_GRADE
    if root.review_result is None:
        return TreeState.INITIAL_PROMPT_REVIEW
    live = [m for m in facts.messages if not m.deleted]
    never_grown = tree.activated_at is None and len(live) == 1
    if never_grown and tree.state in (TreeState.INITIAL_PROMPT_REVIEW, TreeState.PROMPT_LOTTERY_WAITING):
        return TreeState.PROMPT_LOTTERY_WAITING

    accepted = [m for m in live if m.review_result]
    pending = _awaits_review(tree, live)
    writing = any(task_type in REPLY_TASK_TYPES for task_type, _parent, _message in facts.open_tasks)
    has_room = any(m.depth < tree.max_depth and len(facts.children[m.pk]) < reply_limit(m, tree) for m in accepted)
    if pending or writing or (len(accepted) < tree.goal_tree_size and has_room):
        return TreeState.GROWING
    rankable = rankable_parents(facts)
    if any(facts.rankings[parent_id] < cfg.num_required_rankings for parent_id in rankable):
        return TreeState.RANKING
    if any(child.rank is None for children in rankable.values() for child in children):
        return TreeState.READY_FOR_SCORING
    return TreeState.READY_FOR_EXPORT
