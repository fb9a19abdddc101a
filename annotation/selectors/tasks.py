"""A user's tasks: the open ones, one by id, the messages a task shows, and what the task chooser offers."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.languages import task_language, user_languages
from accounts.models import User
from annotation.models import Message, Task, TaskState, TaskType
from annotation.selectors.task_candidates import task_availability
from core.errors import NotFound


def open_tasks(*, user: User) -> QuerySet[Task]:
    """The user's tasks that still hold their slot, newest first."""
    return Task.objects.filter(user=user, state=TaskState.OPEN, expires_at__gt=timezone.now()).order_by("-created_at")


def get_task(*, user: User, task_id: object) -> Task:
    """One of the user's tasks; somebody else's task is as good as unknown."""
    task = Task.objects.filter(pk=task_id, user=user).first()
    if task is None:
        raise NotFound(_("No such task."))
    return task


def task_messages(*, task: Task) -> tuple[list[Message], list[Message]]:
    """The thread (root first) and, for ranking tasks, the replies to rank in the shown order: one query."""
    thread_ids = [str(pk) for pk in task.payload.get("thread", [])]
    reply_ids = [str(pk) for pk in task.payload.get("replies", [])]
    by_id = {str(m.pk): m for m in Message.objects.filter(pk__in=[*thread_ids, *reply_ids])}
    return [by_id[pk] for pk in thread_ids if pk in by_id], [by_id[pk] for pk in reply_ids if pk in by_id]


def chooser_context(*, user: User, lang: str | None) -> dict:
    """What the task chooser shows: the user's languages, the chosen one, and per task type what is available."""
    lang = task_language(user, lang)
    available = task_availability(user=user, lang=lang)
    types = [{"value": value, "label": label, "count": available.get(value, 0)} for value, label in TaskType.choices]
    return {
        "languages": user_languages(user),
        "lang": lang,
        "task_types": types,
        "any_available": any(t["count"] for t in types),
        "open_tasks": list(open_tasks(user=user)[:8]),
    }
