"""Reads behind the API that the shared selectors do not cover."""

from django.utils.translation import gettext as _

from accounts.models import User
from annotation.models import Message, Task
from core.errors import NotFound


def get_task(*, user: User, task_id: object) -> Task:
    """One of the user's tasks; somebody else's task is as good as unknown."""
    task = Task.objects.filter(pk=task_id, user=user).first()
    if task is None:
        raise NotFound(_("No such task."))
    return task


def flatten(root: Message) -> list[Message]:
    """A tree from ``tree_view`` as a list: parents before their replies, level by level."""
    flat, level = [], [root]
    while level:
        flat.extend(level)
        level = [reply for message in level for reply in message.replies]
    return flat
