"""Text typed for a writing task, saved while the volunteer types so that nothing typed is ever lost.

A draft belongs to its task. When a task's claim is lost (it expired, or was released), its text is offered
again on the user's next task for the same item: the same parent message, or, for initial prompts, any
initial prompt. Once a task is sent, its text and the texts offered to it are gone; once it is skipped, the
texts offered to it are gone and its own text stays only on that task's page (to copy after a mis-click).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
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


def _drafts_for(*, user: User, task: Task) -> QuerySet[Draft]:
    """The task's own draft and those left on the same item by the user's tasks whose claim was lost."""
    left_behind = Q(task_type=task.type, parent_message_id=task.parent_message_id) & (
        Q(task__state=TaskState.EXPIRED) | Q(task__isnull=True)
    )
    return Draft.objects.filter(Q(task_id=task.pk) | left_behind, user=user)


def draft_for(*, user: User, task: Task) -> Draft | None:
    """The newest unsent text of ``user`` for this task: its own, or one left by an earlier task of the same
    kind on the same item whose claim was lost (expired or released), so a new task for it starts with that
    text. Texts of sent or skipped tasks, and of other open tasks, are never offered."""
    if not can_act_on_task(user, task) or task.type not in DRAFT_TASK_TYPES:
        return None
    return _drafts_for(user=user, task=task).exclude(text="").order_by("-updated_at").first()


@transaction.atomic
def discard_drafts(*, user: User, task: Task) -> int:
    """Forget the drafts a sent task used: its own and those ``draft_for`` could offer it."""
    _check(user=user, task=task)
    deleted, _details = _drafts_for(user=user, task=task).delete()
    return deleted


@transaction.atomic
def discard_offered_drafts(*, user: User, task: Task) -> int:
    """Forget the texts of lost claims ``draft_for`` could offer a skipped task, so that they do not come back
    on a later one; the task's own text stays with it (``draft_for`` offers it to no other task)."""
    _check(user=user, task=task)
    deleted, _details = _drafts_for(user=user, task=task).exclude(task_id=task.pk).delete()
    return deleted


def delete_drafts_of(*, user: User) -> int:
    """Forget every unsent text of ``user`` (their account is being deleted: drafts are personal data)."""
    deleted, _details = Draft.objects.filter(user=user).delete()
    return deleted
