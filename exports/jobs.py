"""The exports app's Celery jobs, on the "exports" queue (CELERY_TASK_ROUTES); each takes ids and calls a service.

An export is acknowledged only once it has run (``acks_late``): a worker that dies while running it (killed,
out of memory) leaves it to be delivered again, and the service starts it over cleanly. Transient errors (the
database or the storage away for a moment) are retried with an exponential back-off.
"""

from typing import Any

from celery import Task, shared_task

from exports.errors import TRANSIENT_ERRORS


class ExportTask(Task):
    def on_failure(self, exc: Exception, task_id: str, args: tuple, kwargs: dict, einfo: Any) -> None:
        """Retries exhausted (or an error the service did not record): the job is marked failed."""
        from exports.services.export_jobs import fail_export

        job_id = kwargs.get("job_id") or (args[0] if args else None)
        if job_id is not None:
            fail_export(job_id=job_id, error=exc)


@shared_task(
    base=ExportTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def run_export(job_id: str) -> str | None:
    from exports.services.export_jobs import run_export as run

    job = run(job_id=job_id)
    return job.state if job is not None else None


@shared_task
def requeue_exports() -> int:
    from exports.services.export_jobs import requeue_exports as requeue

    return requeue()


@shared_task
def expire_exports() -> int:
    from exports.services.export_jobs import expire_exports as expire

    return expire()


@shared_task
def publish_release_job(release_id: str, actor_id: str) -> str:
    """Publish a release to the Hugging Face Hub (asked for on the release page); the commit's URL."""
    from accounts.models import User
    from exports.services import hub

    actor = User.objects.get(pk=actor_id)
    return hub.publish_release(release_id=release_id, actor=actor).hub_commit_url


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=30, max_retries=5
)
def build_release(release_id: str) -> str:
    """Write a release's files and its card (a re-run continues where a killed one stopped)."""
    from exports.services.releasing import build_release as build

    return build(release_id=release_id).state


@shared_task
def request_nightly_release() -> str:
    from exports.services.releasing import request_release

    return str(request_release(actor=None).pk)
