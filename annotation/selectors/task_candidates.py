"""The items a user could be handed: the candidate rows of each task type, and how many there are.

The candidate querysets return the rows whose lock guards a slot (the parent for replies and rankings,
the message for reviews), with the capacity condition on that row's own counters, so the hand-out can
lock one with ``FOR UPDATE SKIP LOCKED`` and PostgreSQL re-checks the condition on the locked version.

Every candidate set is reached through its trees (state, language). There may be tens of thousands of
them (prompts waiting for reviews, trees waiting for rankings; growing trees too, where an operator raised
``max_active_trees`` or an import brought them): with ``around`` (a random UUID) only the ``TREE_WINDOW``
trees from that point on (wrapping round) are looked at, so a hand-out probes a bounded number of rows
instead of every candidate of the language. The hand-out looks at all of them only when a window has none
and did not hold every tree of that state and language.
"""

import uuid

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from accounts.models import User
from annotation.models import (
    RANKING_TASK_TYPES,
    REPLY_TASK_TYPES,
    REVIEW_TASK_TYPES,
    Message,
    MessageTree,
    Ranking,
    Review,
    Role,
    Task,
    TaskState,
    TaskType,
    TreeState,
)

# The role of the slot row (parent, or message under review) for each task type.
ROW_ROLE = {
    TaskType.ASSISTANT_REPLY: Role.PROMPTER,
    TaskType.PROMPTER_REPLY: Role.ASSISTANT,
    TaskType.LABEL_ASSISTANT_REPLY: Role.ASSISTANT,
    TaskType.LABEL_PROMPTER_REPLY: Role.PROMPTER,
    TaskType.RANK_ASSISTANT_REPLIES: Role.PROMPTER,
    TaskType.RANK_PROMPTER_REPLIES: Role.ASSISTANT,
}
# Open or skipped tasks of a user hide their item from that user (a skip hides it for good).
HIDING_TASK_STATES = (TaskState.OPEN, TaskState.SKIPPED)
# The states of the trees whose messages a hand-out looks for.
HANDOUT_TREE_STATES = (TreeState.GROWING, TreeState.INITIAL_PROMPT_REVIEW, TreeState.RANKING)
# Trees a windowed hand-out looks at. Tree ids are random UUIDs, so the window starts anywhere with equal
# chance, and every tree's chance of being in it is the mean of TREE_WINDOW random gaps: fair enough.
TREE_WINDOW = 32


def _user_tasks(user: User, types: tuple[str, ...]) -> QuerySet[Task]:
    return Task.objects.filter(user=user, type__in=types, state__in=HIDING_TASK_STATES)


def _role_filter(task_type: str | None) -> Q:
    return Q(role=ROW_ROLE[task_type]) if task_type else Q()


def tree_windows_supported() -> bool:
    """SQLite cannot slice the parts of a UNION; its installs are small, so they look at every tree."""
    return connection.features.supports_slicing_ordering_in_compound


def trees_in_state(*, state: str, lang: str, around: uuid.UUID | None = None) -> QuerySet[MessageTree]:
    """The trees of a language in ``state``; with ``around``, only the ``TREE_WINDOW`` trees from there on.

    Either way a plain queryset of trees, which callers may filter and annotate further.
    """
    trees = MessageTree.objects.filter(state=state, lang=lang)
    if around is None or not tree_windows_supported():
        return trees
    after = trees.filter(pk__gte=around).order_by("pk").values("pk")[:TREE_WINDOW]
    before = trees.filter(pk__lt=around).order_by("pk").values("pk")[:TREE_WINDOW]
    # PostgreSQL runs the second part only when fewer than TREE_WINDOW trees follow ``around``.
    return MessageTree.objects.filter(pk__in=after.union(before, all=True)[:TREE_WINDOW])


def tree_presence(*, lang: str) -> dict[str, Subquery]:
    """Expressions for annotating a query: per tree state a hand-out searches (``HANDOUT_TREE_STATES``), the
    id of the language's first tree in it (``<state>``, None: no tree), and of the first tree past one window
    (``<state>_beyond_window``, None: a search that found nothing in a window would find nothing at all).

    Ids in the index's order, not EXISTS: for an EXISTS PostgreSQL may scan the whole table when its
    statistics promise many trees in a state that has none left."""
    expressions = {}
    for state in HANDOUT_TREE_STATES:
        tree_ids = MessageTree.objects.filter(state=state, lang=lang).order_by("pk").values("pk")
        expressions[state] = Subquery(tree_ids[:1])
        expressions[f"{state}_beyond_window"] = Subquery(tree_ids[TREE_WINDOW : TREE_WINDOW + 1])
    return expressions


def review_tree_state(task_type: str | None) -> str:
    """The state of the trees whose messages a review task of ``task_type`` (None: any reply) is about."""
    return TreeState.INITIAL_PROMPT_REVIEW if task_type == TaskType.LABEL_INITIAL_PROMPT else TreeState.GROWING


def growing_trees_with_room(*, lang: str, around: uuid.UUID | None = None) -> QuerySet[MessageTree]:
    """Growing trees of a language below their goal size, counting pending messages and open reply claims."""
    size = (
        Message.objects.filter(tree=OuterRef("pk"), deleted=False)
        .exclude(review_result=False)
        .values("tree")
        .annotate(n=Count("pk") + Coalesce(Sum("reply_claims"), 0))
        .values("n")
    )
    return (
        trees_in_state(state=TreeState.GROWING, lang=lang, around=around)
        .alias(size=Coalesce(Subquery(size, output_field=IntegerField()), 0))
        .filter(size__lt=F("goal_tree_size"))
    )


def reply_parents(
    *, user: User, lang: str, task_type: str | None = None, around: uuid.UUID | None = None
) -> QuerySet[Message]:
    """Accepted messages of growing trees that can take one more reply from ``user``."""
    cfg = settings.TREE_MANAGER
    return (
        Message.objects.filter(
            _role_filter(task_type),
            tree__in=growing_trees_with_room(lang=lang, around=around),
            review_result=True,
            deleted=False,
            depth__lt=F("tree__max_depth"),
        )
        .alias(
            slot_limit=Case(
                When(role=Role.PROMPTER, then=F("tree__max_children_count")),
                default=Value(cfg.num_prompter_replies),
                output_field=IntegerField(),
            ),
            slots_used=F("children_count") + F("reply_claims"),
        )
        .filter(slots_used__lt=F("slot_limit"))
        .exclude(author=user)
        .exclude(Exists(Message.objects.filter(parent=OuterRef("pk"), author=user)))
        .exclude(Exists(_user_tasks(user, REPLY_TASK_TYPES).filter(parent_message=OuterRef("pk"))))
    )


def review_messages(
    *, user: User, lang: str, task_type: str | None = None, around: uuid.UUID | None = None
) -> QuerySet[Message]:
    """Undecided messages that still need a review and that ``user`` may review (no type: any reply)."""
    cfg = settings.TREE_MANAGER
    trees = trees_in_state(state=review_tree_state(task_type), lang=lang, around=around)
    if task_type == TaskType.LABEL_INITIAL_PROMPT:
        where = Q(depth=0)
        required = cfg.num_reviews_initial_prompt
    else:
        where = Q(_role_filter(task_type), depth__gt=0)
        required = cfg.num_reviews_reply
    return (
        Message.objects.filter(where, tree__in=trees, lang=lang, review_result__isnull=True, deleted=False)
        .alias(slots_used=F("review_count") + F("review_claims"))
        .filter(slots_used__lt=required)
        .exclude(author=user)
        .exclude(Exists(Review.objects.filter(message=OuterRef("pk"), reviewer=user)))
        .exclude(Exists(_user_tasks(user, REVIEW_TASK_TYPES).filter(message=OuterRef("pk"))))
    )


def ranking_parents(
    *, user: User, lang: str, task_type: str | None = None, around: uuid.UUID | None = None
) -> QuerySet[Message]:
    """Parents in ranking trees whose accepted children still need rankings, none of them by ``user``."""
    cfg = settings.TREE_MANAGER
    return (
        # In a ranking tree nothing awaits review, so the live children are the accepted ones.
        Message.objects.filter(
            _role_filter(task_type),
            tree__in=trees_in_state(state=TreeState.RANKING, lang=lang, around=around),
            review_result=True,
            deleted=False,
            children_count__gte=2,
        )
        .alias(slots_used=F("ranking_count") + F("ranking_claims"))
        .filter(slots_used__lt=cfg.num_required_rankings)
        .exclude(Exists(Message.objects.filter(parent=OuterRef("pk"), author=user)))
        .exclude(Exists(Ranking.objects.filter(parent=OuterRef("pk"), user=user)))
        .exclude(Exists(_user_tasks(user, RANKING_TASK_TYPES).filter(parent_message=OuterRef("pk"))))
    )


def task_availability(*, user: User, lang: str) -> dict[str, int]:
    """Task type -> number of items the user could be handed now (initial prompts: always 1)."""
    counts = {
        TaskType.INITIAL_PROMPT.value: 1,
        TaskType.LABEL_INITIAL_PROMPT.value: review_messages(
            user=user, lang=lang, task_type=TaskType.LABEL_INITIAL_PROMPT
        ).count(),
    }
    for task_type in (TaskType.ASSISTANT_REPLY, TaskType.PROMPTER_REPLY):
        counts[task_type.value] = reply_parents(user=user, lang=lang, task_type=task_type).count()
    for task_type in (TaskType.LABEL_ASSISTANT_REPLY, TaskType.LABEL_PROMPTER_REPLY):
        counts[task_type.value] = review_messages(user=user, lang=lang, task_type=task_type).count()
    for task_type in RANKING_TASK_TYPES:
        counts[task_type.value] = ranking_parents(user=user, lang=lang, task_type=task_type).count()
    return counts
