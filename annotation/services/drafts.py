"""Text typed for a reply task, saved while the volunteer types so that nothing typed is ever lost."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from annotation.errors import NotTaskOwner, TaskClosed, WrongTaskKind
from annotation.models import Draft, Task, TaskState, TaskType
from annotation.policies import can_act_on_task

DRAFT_TASK_TYPES = (TaskType.INITIAL_PROMPT, TaskType.PROMPTER_REPLY, TaskType.ASSISTANT_REPLY)
# A draft may run over the submission limit (the volunteer is still trimming it), but not without bound.
MAX_DRAFT_FACTOR = 4


def _check(*, user: User, task: Task) -> None:
    if not can_act_on_task(user, task):
        raise NotTaskOwner()
    if task.type not in DRAFT_TASK_TYPES:
        raise WrongTaskKind(_("Only writing tasks have drafts."))


@transaction.atomic
def save_draft(*, user: User, task: Task, text: str) -> Draft:
    """Store the text typed for ``task``. Allowed while the task is open and after it expired or was skipped
    (the volunteer keeps typing and the text must survive), not once it was submitted."""
    _check(user=user, task=task)
    if task.state == TaskState.DONE:
        raise TaskClosed()
    text = text[: settings.TREE_MANAGER.max_text_length * MAX_DRAFT_FACTOR]
    draft, _created = Draft.objects.update_or_create(
        user=user,
        task=task,
        defaults={"text": text, "parent_message_id": task.parent_message_id, "task_type": task.type},
    )
    return draft


def draft_for(*, user: User, task: Task) -> Draft | None:
    """The newest unsent text of ``user`` for this task, or for an earlier task of the same kind on the same
    parent message (a claim that expired, a page that crashed): so a new task for it starts with that text."""
    if not can_act_on_task(user, task) or task.type not in DRAFT_TASK_TYPES:
        return None
    return (
        Draft.objects.filter(user=user, task_type=task.type, parent_message_id=task.parent_message_id)
        .exclude(text="")
        .exclude(Q(task__state__in=(TaskState.DONE, TaskState.SKIPPED)) & ~Q(task_id=task.pk))
        .order_by("-updated_at")
        .first()
    )


@transaction.atomic
def discard_drafts(*, user: User, task: Task) -> int:
    """Forget the drafts a submitted task used: its own and those of earlier tasks on the same parent."""
    _check(user=user, task=task)
    deleted, _details = Draft.objects.filter(
        user=user, task_type=task.type, parent_message_id=task.parent_message_id
    ).delete()
    return deleted
