"""The first-task walkthrough: a volunteer closes it once and for all."""

from accounts.models import User
from annotation.models import TaskIntroDismissal


def dismiss_task_intro(*, user: User) -> None:
    """Remember that the volunteer closed the walkthrough; closing it again changes nothing."""
    TaskIntroDismissal.objects.get_or_create(user=user)
