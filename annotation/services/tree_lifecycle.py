"""The life of a message tree (SPEC 2): every state transition, derived from the tree's messages.

A tree's state is a function of its messages, reviews, rankings and open reply claims (``derive_state``);
``sync_tree`` moves a tree to the state its messages call for and runs the follow-ups of that move
(scoring, the prompt lottery, backlog activation). Submissions, moderator actions and the periodic job
all go through it, so the re-check after a crash or a config change is the same code as the normal path.
"""

import logging
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from annotation.models import (
    ACTIVE_TREE_STATES,
    RANKING_TASK_TYPES,
    REPLY_TASK_TYPES,
    REVIEW_TASK_TYPES,
    Message,
    MessageTree,
    Ranking,
    Role,
    Task,
    TaskState,
    TreeState,
)
from annotation.services import ranking as ranking_service
from core.errors import Conflict

logger = logging.getLogger(__name__)

# Tests replace it with a seeded generator.
rng = random.Random()

# Denormalised slot counters of a message, recomputed by the re-check.
COUNTER_FIELDS = ("children_count", "reply_claims", "review_claims", "ranking_claims", "ranking_count")


def tree_limits() -> dict[str, int]:
    """The limits a new tree copies from TREE_MANAGER (MessageTree fields)."""
    cfg = settings.TREE_MANAGER
    return {
        "max_depth": cfg.max_tree_depth,
        "max_children_count": cfg.max_children_count,
        "goal_tree_size": cfg.goal_tree_size,
    }


def start_tree(*, author: User | None, text: str, lang: str, origin: str = "", now: datetime | None = None) -> Message:
    """A new tree in ``initial_prompt_review`` with its prompt; it copies the limits of TREE_MANAGER."""
    now = now or timezone.now()
    tree_id = uuid.uuid4()
    tree = MessageTree.objects.create(
        id=tree_id, state=TreeState.INITIAL_PROMPT_REVIEW, lang=lang, origin=origin, **tree_limits()
    )
    return Message.objects.create(
        id=tree_id, tree=tree, author=author, role=Role.PROMPTER, lang=lang, text=text, depth=0, created_at=now
    )


def acceptance(labels: dict) -> float:
    """1 - (mean spam + mean lang_mismatch) over the message's reviews (SPEC 2)."""
    return 1 - sum(float(labels.get(name, {}).get("value", 0)) for name in ("spam", "lang_mismatch"))


def required_reviews(message: Message) -> int:
    cfg = settings.TREE_MANAGER
    return cfg.num_reviews_initial_prompt if message.parent_id is None else cfg.num_reviews_reply


def decide_review(*, message: Message) -> None:
    """Accept or reject a message that has all its reviews; called with the message row locked.

    A rejected reply frees its place under its parent.
    """
    cfg = settings.TREE_MANAGER
    threshold = cfg.acceptance_threshold_initial_prompt if message.parent_id is None else cfg.acceptance_threshold_reply
    message.review_result = acceptance(message.labels) > threshold
    if not message.review_result and message.parent_id is not None and not message.deleted:
        Message.objects.filter(pk=message.parent_id).update(children_count=Greatest(F("children_count") - 1, 0))


def reply_limit(parent: Message, tree: MessageTree) -> int:
    """How many live children ``parent`` may have (SPEC 2, step 4)."""
    if parent.role == Role.PROMPTER:
        return tree.max_children_count
    return settings.TREE_MANAGER.num_prompter_replies


# --- Deriving a tree's state from its messages ---------------------------------------------------------------


@dataclass
class _TreeFacts:
    messages: list[Message]
    rankings: Counter  # parent id -> rankings received (not_rankable included)
    open_tasks: list[tuple[str, uuid.UUID | None, uuid.UUID | None]]  # (type, parent_message_id, message_id)
    children: dict = field(default_factory=lambda: defaultdict(list))  # parent id -> live, not rejected children

    def __post_init__(self) -> None:
        for message in self.messages:
            if message.parent_id is not None and not message.deleted and message.review_result is not False:
                self.children[message.parent_id].append(message)


def _facts(tree: MessageTree) -> _TreeFacts:
    return _TreeFacts(
        messages=list(Message.objects.filter(tree=tree).order_by("created_at", "pk")),
        rankings=Counter(
            dict(Ranking.objects.filter(tree=tree).values("parent").annotate(n=Count("pk")).values_list("parent", "n"))
        ),
        open_tasks=list(
            Task.objects.filter(tree=tree, state=TaskState.OPEN).values_list("type", "parent_message", "message")
        ),
    )


def _rankable_parents(facts: _TreeFacts) -> dict[uuid.UUID, list[Message]]:
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


def _derive(tree: MessageTree, facts: _TreeFacts) -> str:
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
    rankable = _rankable_parents(facts)
    if any(facts.rankings[parent_id] < cfg.num_required_rankings for parent_id in rankable):
        return TreeState.RANKING
    if any(child.rank is None for children in rankable.values() for child in children):
        return TreeState.READY_FOR_SCORING
    return TreeState.READY_FOR_EXPORT


def derive_state(*, tree: MessageTree) -> str:
    """The state the tree's messages call for; trees outside the active states keep theirs."""
    if tree.state not in ACTIVE_TREE_STATES:
        return tree.state
    return _derive(tree, _facts(tree))


# --- Moving a tree --------------------------------------------------------------------------------------------


def _lock_tree(tree_id: uuid.UUID) -> MessageTree:
    return MessageTree.objects.select_for_update(no_key=True).get(pk=tree_id)


def _set_state(tree: MessageTree, state: str, now: datetime) -> None:
    tree.state = state
    tree.state_changed_at = now
    if state == TreeState.GROWING and tree.activated_at is None:
        tree.activated_at = now
    tree.save(update_fields=["state", "state_changed_at", "activated_at", "state_before_halt"])


def _advance(tree: MessageTree, now: datetime, *, activate_backlog: bool = True) -> None:
    """Move a locked tree to its derived state and run the follow-ups of the move."""
    if tree.state not in ACTIVE_TREE_STATES:
        return
    old = tree.state
    new = _derive(tree, _facts(tree))
    if new != old:
        _set_state(tree, new, now)
    if new == TreeState.READY_FOR_SCORING:
        score_tree(tree=tree, now=now)
    if tree.state == old:
        return
    logger.info("tree %s: %s -> %s", tree.pk, old, tree.state)
    if old == TreeState.GROWING or tree.state == TreeState.PROMPT_LOTTERY_WAITING:
        run_lottery(lang=tree.lang, now=now)
        # The lottery may have picked this very tree.
        tree.refresh_from_db(fields=["state", "state_changed_at", "activated_at"])
    if activate_backlog and tree.state == TreeState.READY_FOR_EXPORT:
        maybe_activate_backlog(lang=tree.lang, now=now)


def sync_tree(*, tree_id: uuid.UUID, now: datetime | None = None) -> MessageTree:
    """Bring one tree to the state its messages call for (after a submission or a moderator action)."""
    now = now or timezone.now()
    with transaction.atomic():
        tree = _lock_tree(tree_id)
        _advance(tree, now)
    return tree


def score_tree(*, tree: MessageTree, now: datetime | None = None) -> bool:
    """Merge the rankings of every rankable parent into Message.rank; the tree becomes ready_for_export.

    Any error leaves the ranks untouched and the tree in scoring_failed (retried by the re-check).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            _write_ranks(tree)
    except Exception:
        logger.exception("scoring tree %s failed", tree.pk)
        _set_state(tree, TreeState.SCORING_FAILED, now)
        return False
    _set_state(tree, TreeState.READY_FOR_EXPORT, now)
    return True


def _write_ranks(tree: MessageTree) -> None:
    facts = _facts(tree)
    votes = defaultdict(list)
    for parent_id, shown, order in Ranking.objects.filter(tree=tree, not_rankable=False).values_list(
        "parent", "ranked_message_ids", "ranking"
    ):
        votes[parent_id].append([str(shown[i]) for i in order])
    ranked = []
    for parent_id, children in _rankable_parents(facts).items():
        items = [str(child.pk) for child in children]  # oldest first: the final tie-break
        order = ranking_service.ranked_pairs(items=items, rankings=votes[parent_id])
        position = {message_id: rank for rank, message_id in enumerate(order)}
        for child in children:
            child.rank = position[str(child.pk)]
            ranked.append(child)
    Message.objects.bulk_update(ranked, ["rank"])


def run_lottery(*, lang: str, now: datetime | None = None) -> list[MessageTree]:
    """Activate waiting prompts of a language until ``max_active_trees`` trees grow (SPEC 2, step 3)."""
    now = now or timezone.now()
    won: list[MessageTree] = []
    # Most calls (a prompt accepted while every slot is taken) end here, without queueing for the language's
    # lock, which a running lottery holds until its caller's transaction ends.
    if _free_slots(lang) <= 0:
        return won
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One lottery per language at a time, so two draws never both take the last free slot.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"prompt-lottery:{lang}"])
        free = _free_slots(lang)
        if free <= 0:
            return won
        weights = _author_weights(lang=lang, now=now)
        while len(won) < free and weights:
            author_id = rng.choices(list(weights), weights=list(weights.values()))[0]
            tree = (
                MessageTree.objects.filter(
                    state=TreeState.PROMPT_LOTTERY_WAITING,
                    lang=lang,
                    messages__parent__isnull=True,
                    messages__author_id=author_id,
                )
                .order_by("?")
                .select_for_update(skip_locked=True, no_key=True, of=("self",))
                .first()
            )
            if tree is None:
                del weights[author_id]
                continue
            _set_state(tree, TreeState.GROWING, now)
            won.append(tree)
    for tree in won:
        logger.info("tree %s won the prompt lottery (%s)", tree.pk, lang)
    return won


def _free_slots(lang: str) -> int:
    return (
        settings.TREE_MANAGER.max_active_trees - MessageTree.objects.filter(state=TreeState.GROWING, lang=lang).count()
    )


def _author_weights(*, lang: str, now: datetime) -> dict:
    """Authors of waiting prompts -> their first places of the last 30 days + 1."""
    waiting_authors = Message.objects.filter(
        parent__isnull=True, tree__state=TreeState.PROMPT_LOTTERY_WAITING, tree__lang=lang
    ).values("author_id")
    weights = dict.fromkeys(waiting_authors.distinct().values_list("author_id", flat=True), 1)
    firsts = (
        Message.objects.filter(
            rank=0, parent__isnull=False, created_at__gte=now - timedelta(days=30), author_id__in=waiting_authors
        )
        .values("author_id")
        .annotate(n=Count("pk"))
        .values_list("author_id", "n")
    )
    for author_id, n in firsts:
        weights[author_id] += n
    return weights


def run_all_lotteries(*, now: datetime | None = None) -> int:
    """The lottery for every language with waiting prompts; returns how many trees started growing."""
    langs = MessageTree.objects.filter(state=TreeState.PROMPT_LOTTERY_WAITING).values_list("lang", flat=True)
    return sum(len(run_lottery(lang=lang, now=now)) for lang in sorted(set(langs.distinct())))


def maybe_activate_backlog(*, lang: str, now: datetime | None = None) -> MessageTree | None:
    """With probability ``p_activate_backlog_tree``, move one backlog tree of ``lang`` to ranking."""
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
        _repair_counters(tree)
        accepted = Message.objects.filter(tree=tree, review_result=True, deleted=False).count()
        tree.goal_tree_size = min(tree.goal_tree_size, accepted)
        tree.save(update_fields=["goal_tree_size"])
        _set_state(tree, TreeState.RANKING, now)
        logger.info("backlog tree %s entered ranking (%s)", tree.pk, lang)
        _advance(tree, now, activate_backlog=False)
    return tree


def halt_tree(*, tree: MessageTree, now: datetime | None = None) -> MessageTree:
    """Stop a tree; it remembers where to return to. Records nothing: the caller logs the action."""
    now = now or timezone.now()
    with transaction.atomic():
        tree = _lock_tree(tree.pk)
        if tree.state == TreeState.HALTED_BY_MODERATOR:
            raise Conflict(_("This tree is already halted."))
        old = tree.state
        tree.state_before_halt = old
        _set_state(tree, TreeState.HALTED_BY_MODERATOR, now)
        if old == TreeState.GROWING:
            run_lottery(lang=tree.lang, now=now)
    return tree


def resume_tree(*, tree: MessageTree, now: datetime | None = None) -> MessageTree:
    """Return a halted tree to the state it had (growing, or review if it never left it), then re-check it."""
    now = now or timezone.now()
    with transaction.atomic():
        tree = _lock_tree(tree.pk)
        if tree.state != TreeState.HALTED_BY_MODERATOR:
            raise Conflict(_("This tree is not halted."))
        previous = tree.state_before_halt or TreeState.GROWING
        tree.state_before_halt = ""
        _set_state(tree, previous, now)
        _advance(tree, now)
    return tree


def halt_if_skipped_too_often(*, tree_id: uuid.UUID, now: datetime | None = None) -> bool:
    """Auto-moderation (SPEC 5): a tree whose reply tasks were skipped too often is halted.

    Skips before the tree's last resume (or last automatic halt) no longer count.
    """
    from moderation.models import ModerationAction

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
        tree = _lock_tree(tree_id)
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


# --- Re-checking trees ----------------------------------------------------------------------------------------


@dataclass
class TreeCheck:
    tree_id: uuid.UUID
    state: str
    derived_state: str
    # Messages whose slot counters did not match their rows.
    counter_errors: int = 0
    fixed: bool = False

    @property
    def ok(self) -> bool:
        # A tree in scoring_failed never is: no message calls for that state, and the re-check is its retry.
        return self.state == self.derived_state and not self.counter_errors


def _expected_counters(facts: _TreeFacts) -> dict[uuid.UUID, dict[str, int]]:
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


def _counter_mismatches(facts: _TreeFacts) -> list[Message]:
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


def _repair_counters(tree: MessageTree) -> int:
    """Recompute the slot counters of a tree's messages; the rows are locked first, so no claim slips in."""
    list(Message.objects.filter(tree=tree).order_by("pk").select_for_update(no_key=True).values_list("pk"))
    wrong = _counter_mismatches(_facts(tree))
    Message.objects.bulk_update(wrong, COUNTER_FIELDS)
    return len(wrong)


def recheck_tree(*, tree: MessageTree, fix: bool = False, now: datetime | None = None) -> TreeCheck:
    """Compare a tree's state and slot counters with what its messages call for; ``fix`` corrects both."""
    facts = _facts(tree)
    derived = _derive(tree, facts) if tree.state in ACTIVE_TREE_STATES else tree.state
    check = TreeCheck(tree.pk, tree.state, derived, counter_errors=len(_counter_mismatches(facts)))
    if fix and not check.ok:
        now = now or timezone.now()
        with transaction.atomic():
            locked = _lock_tree(tree.pk)
            if check.counter_errors:
                _repair_counters(locked)
            _advance(locked, now)
        check.fixed = True
    return check


def recheck_trees(
    *, fix: bool = False, states: tuple[str, ...] = ACTIVE_TREE_STATES, now: datetime | None = None
) -> list[TreeCheck]:
    """Re-check every tree in ``states``; returns the checks that found something wrong.

    Waiting trees (tens of thousands at scale) are vetted in one query: a bare accepted prompt with
    clean counters is right where it belongs, so only the others are walked one by one.
    """
    clean_root = Message.objects.filter(
        pk=OuterRef("pk"), review_result=True, deleted=False, **dict.fromkeys(COUNTER_FIELDS, 0)
    )
    settled_waiting = (
        Q(state=TreeState.PROMPT_LOTTERY_WAITING, activated_at__isnull=True)
        & Exists(clean_root)
        & ~Exists(Message.objects.filter(tree=OuterRef("pk"), parent__isnull=False))
        & ~Exists(Task.objects.filter(tree=OuterRef("pk"), state=TaskState.OPEN))
    )
    trees = MessageTree.objects.filter(state__in=states).exclude(settled_waiting).order_by("pk")
    problems = []
    for tree in trees.iterator(chunk_size=500):
        try:
            check = recheck_tree(tree=tree, fix=fix, now=now)
        except DatabaseError:
            # A lock conflict with a submission in flight; the next run picks the tree up again.
            logger.exception("re-checking tree %s failed", tree.pk)
            continue
        if not check.ok:
            problems.append(check)
    return problems


def score_ready_trees(*, now: datetime | None = None) -> int:
    """Score the trees waiting in ready_for_scoring; returns how many became ready for export."""
    tree_ids = list(MessageTree.objects.filter(state=TreeState.READY_FOR_SCORING).values_list("pk", flat=True))
    return sum(sync_tree(tree_id=tree_id, now=now).state == TreeState.READY_FOR_EXPORT for tree_id in tree_ids)
