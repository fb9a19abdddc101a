"""What the annotation app does when the accounts app signals a change (connected in AnnotationConfig.ready)."""

from django.dispatch import receiver

from accounts.models import User
from accounts.signals import account_deleted
from annotation.services.drafts import delete_drafts_of


@receiver(account_deleted, dispatch_uid="annotation.delete_drafts_of_deleted_account")
def delete_drafts_of_deleted_account(sender: type[User], *, user: User, **kwargs: object) -> None:
    """Runs inside delete_account's transaction."""
    delete_drafts_of(user=user)
