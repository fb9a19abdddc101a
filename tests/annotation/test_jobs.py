import pytest
from django.conf import settings
from django.utils import timezone

from annotation import jobs
from annotation.models import MessageTree, Task, TaskState, TreeState
from oasst.celery import app
from tests.factories import UserFactory, make_prompt, make_ranking_tree

pytestmark = pytest.mark.django_db


def test_the_periodic_jobs_are_scheduled():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "annotation.jobs.expire_stale_tasks",
        "annotation.jobs.run_prompt_lotteries",
        "annotation.jobs.score_ready_trees",
        "annotation.jobs.recheck_trees",
    } <= scheduled


def test_every_scheduled_job_is_found_by_the_worker():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(app.tasks)


def test_the_periodic_jobs_expire_claims_run_lotteries_and_score_trees():
    waiting = make_prompt(state=TreeState.PROMPT_LOTTERY_WAITING)
    task = Task.objects.create(type="initial_prompt", user=UserFactory(), lang="en", expires_at=timezone.now())
    root = make_ranking_tree()
    MessageTree.objects.filter(pk=root.tree_id).update(state=TreeState.READY_FOR_SCORING)

    assert jobs.expire_stale_tasks.delay().get() == 1
    assert jobs.run_prompt_lotteries.delay().get() == 1
    # No rankings: every one of them is missing, so the tree goes back to ranking.
    assert jobs.recheck_trees.delay().get() == 1
    assert jobs.score_ready_trees.delay().get() == 0

    task.refresh_from_db()
    assert task.state == TaskState.EXPIRED
    assert MessageTree.objects.get(pk=waiting.tree_id).state == TreeState.GROWING
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.RANKING
