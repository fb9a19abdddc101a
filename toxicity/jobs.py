"""The scoring job: asked for by each new message once committed, and run every minute for what is left over (a
broker that was down, a classifier that failed). Retried with back-off while the classifier cannot score."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError

from toxicity.conf import toxicity_settings
from toxicity.errors import ClassifierFailed, ClassifierUnavailable
from toxicity.services import scoring


@shared_task(
    autoretry_for=(ClassifierUnavailable, ClassifierFailed, SoftTimeLimitExceeded, DatabaseError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=toxicity_settings().job_time_limit,
)
def score_pending_messages() -> int:
    if not toxicity_settings().enabled:
        return 0
    # Half the time limit, so that the last batch ends well before it.
    run = scoring.drain_queue(seconds=toxicity_settings().job_time_limit / 2)
    if run.more:
        # Out of time with messages left: the next run takes them.
        scoring.request_scoring()
    return run.scored
