"""The exports app's Celery jobs; each only calls a service."""

from celery import shared_task

from accounts.models import User
from exports.services import hub


@shared_task
def publish_release_job(release_id: str, actor_id: str) -> str:
    """Publish a release to the Hugging Face Hub (asked for on the release page); the commit's URL."""
    actor = User.objects.get(pk=actor_id)
    return hub.publish_release(release_id=release_id, actor=actor).hub_commit_url
