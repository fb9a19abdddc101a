"""Background jobs of the accounts app."""

from celery import shared_task

from accounts.services.stats import refresh_user_stats as refresh_user_stats_service


@shared_task
def refresh_user_stats() -> int:
    return refresh_user_stats_service()
