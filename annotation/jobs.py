"""The task engine's Celery jobs (periodic, see CELERY_BEAT_SCHEDULE); each only calls a service."""

from celery import shared_task

from annotation.services import prompt_lottery, task_handout, tree_checks


@shared_task
def expire_stale_tasks() -> int:
    return task_handout.expire_stale_tasks()


@shared_task
def run_prompt_lotteries() -> int:
    return prompt_lottery.run_all_lotteries()


@shared_task
def score_ready_trees() -> int:
    return tree_checks.score_ready_trees()


@shared_task
def recheck_trees() -> int:
    return tree_checks.fix_drifted_trees()
