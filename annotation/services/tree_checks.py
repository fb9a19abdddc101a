"""Re-checking trees: compare each tree's state and slot counters with its rows, and fix what drifted.

After a crash, a config change or a manual edit, the re-check moves a tree through the same transitions as
the normal path (``tree_transitions.advance_tree``). The periodic jobs also score the trees waiting for it.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from annotation.models import ACTIVE_TREE_STATES, Message, MessageTree, Task, TaskState, TreeState
from annotation.services.slot_counters import COUNTER_FIELDS, counter_mismatches, repair_counters
from annotation.services.tree_state import derived_state, tree_facts
from annotation.services.tree_state_changes import lock_tree
from annotation.services.tree_transitions import advance_tree, sync_tree

logger = logging.getLogger(__name__)

# The periodic re-check skips trees waiting in the lottery: there can be tens of thousands, and only a
# review (which re-checks its tree at once) changes them. `manage.py check_trees` walks them all.
PERIODIC_RECHECK_STATES = (
    TreeState.INITIAL_PROMPT_REVIEW,
    TreeState.GROWING,
    TreeState.RANKING,
    TreeState.READY_FOR_SCORING,
    TreeState.SCORING_FAILED,
)


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


def recheck_tree(*, tree: MessageTree, fix: bool = False, now: datetime | None = None) -> TreeCheck:
    """Compare a tree's state and slot counters with what its messages call for; ``fix`` corrects both."""
    facts = tree_facts(tree)
    derived = derived_state(tree, facts) if tree.state in ACTIVE_TREE_STATES else tree.state
    check = TreeCheck(tree.pk, tree.state, derived, counter_errors=len(counter_mismatches(facts)))
    if fix and not check.ok:
        now = now or timezone.now()
        with transaction.atomic():
            locked = lock_tree(tree.pk)
            if check.counter_errors:
                repair_counters(locked)
            advance_tree(locked, now)
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


def fix_drifted_trees(*, now: datetime | None = None) -> int:
    """The periodic re-check: fix the trees of ``PERIODIC_RECHECK_STATES``; returns how many were wrong."""
    return len(recheck_trees(fix=True, states=PERIODIC_RECHECK_STATES, now=now))


def score_ready_trees(*, now: datetime | None = None) -> int:
    """Score the trees waiting in ready_for_scoring; returns how many became ready for export."""
    tree_ids = list(MessageTree.objects.filter(state=TreeState.READY_FOR_SCORING).values_list("pk", flat=True))
    return sum(sync_tree(tree_id=tree_id, now=now).state == TreeState.READY_FOR_EXPORT for tree_id in tree_ids)
