"""Background jobs of the stats app; each only calls a service."""

from celery import shared_task

from stats.services.points import refresh_user_stats as refresh_user_stats_service


@shared_task
def refresh_user_stats() -> int:
    return refresh_user_stats_service()
