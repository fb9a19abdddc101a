"""Handing a job to the workers from a request: a broker that does not answer costs the request at most the
broker's connection timeouts (settings), never its outcome. What could not be sent is picked up by the job's
periodic sweep (``toxicity.jobs.score_pending_messages``, ``exports.jobs.requeue_exports``)."""

import logging

from celery import Task
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

# What a publish raises when the broker is away (kombu wraps the transport's connection errors in KombuError).
BROKER_ERRORS = (KombuError, ConnectionError, TimeoutError, OSError)


def enqueue(job: Task, *args: object) -> bool:
    """Send ``job(*args)`` to the workers; False, logged, when the broker could not be reached.

    No result is asked for: a result backend would subscribe this process to the job's result (a connection to
    Redis, retried for a long while when it is down) for a value nobody reads.
    """
    if job.app.conf.task_always_eager:
        # Run in place: the job's own errors are the caller's.
        job.apply_async(args, ignore_result=True)
        return True
    try:
        job.apply_async(args, ignore_result=True)
    except BROKER_ERRORS as error:
        logger.warning("Could not send job %s%r to the broker (%s); its periodic sweep will", job.name, args, error)
        return False
    return True
