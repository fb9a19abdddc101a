"""Whether a volunteer is shown the first-task walkthrough on the task page."""

from django.db.models import Exists, OuterRef

from accounts.models import User
from annotation.models import Task, TaskIntroDismissal, TaskState


def shows_task_intro(*, user: User) -> bool:
    """Until the volunteer has submitted a task or closed the walkthrough (one query)."""
    seen = User.objects.filter(pk=user.pk).filter(
        Exists(TaskIntroDismissal.objects.filter(user=OuterRef("pk")))
        | Exists(Task.objects.filter(user=OuterRef("pk"), state=TaskState.DONE))
    )
    return not seen.exists()
