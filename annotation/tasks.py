"""Periodic jobs of the task engine; each only calls a service."""

from celery import shared_task

from annotation.models import TreeState
from annotation.services import task_handout, tree_lifecycle

# The periodic re-check skips trees waiting in the lottery: there can be tens of thousands, and only a
# review (which re-checks its tree at once) changes them. `manage.py check_trees` walks them all.
RECHECKED_STATES = (
    TreeState.INITIAL_PROMPT_REVIEW,
    TreeState.GROWING,
    TreeState.RANKING,
    TreeState.READY_FOR_SCORING,
    TreeState.SCORING_FAILED,
)


@shared_task
def expire_stale_tasks() -> int:
    return task_handout.expire_stale_tasks()


@shared_task
def run_prompt_lotteries() -> int:
    return tree_lifecycle.run_all_lotteries()


@shared_task
def score_ready_trees() -> int:
    return tree_lifecycle.score_ready_trees()


@shared_task
def recheck_trees() -> int:
    return len(tree_lifecycle.recheck_trees(fix=True, states=RECHECKED_STATES))
