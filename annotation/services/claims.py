"""Task claims (SPEC 3): the slot a handed-out task holds on a message row until it is done or given back.

A claim is a counter on the row that guards the slot: ``reply_claims`` on the parent, ``review_claims`` on
the message under review, ``ranking_claims`` on the ranking parent. Initial prompts hold no slot.
"""

import uuid

from django.db.models import F
from django.db.models.functions import Greatest

from annotation.models import Message, Task, TaskState
from annotation.task_kinds import TaskKind, task_kind


def claim_slot(task: Task) -> tuple[uuid.UUID | None, str | None]:
    """(id of the row holding the task's claim, name of its claim counter); (None, None) for prompts."""
    kind = task_kind(task.type)
    if kind == TaskKind.REPLY:
        return task.parent_message_id, "reply_claims"
    if kind == TaskKind.REVIEW:
        return task.message_id, "review_claims"
    if kind == TaskKind.RANKING:
        return task.parent_message_id, "ranking_claims"
    return None, None


def release_claim(*, task: Task, row: Message | None = None) -> None:
    """Give back the slot an open task holds (a closed task holds none).

    With ``row``, the slot's row already locked by the caller, the counter is lowered on that object and the
    caller saves it with its other changes; without, one UPDATE lowers it in the database.
    """
    if task.state != TaskState.OPEN:
        return
    row_id, counter = claim_slot(task)
    if row_id is None:
        return
    if row is not None:
        setattr(row, counter, max(getattr(row, counter) - 1, 0))
    else:
        Message.objects.filter(pk=row_id).update(**{counter: Greatest(F(counter) - 1, 0)})
