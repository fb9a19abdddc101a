"""The kind of a task: what the volunteer does, whatever the role of the messages involved."""

from enum import StrEnum

from annotation.models import RANKING_TASK_TYPES, REPLY_TASK_TYPES, REVIEW_TASK_TYPES


class TaskKind(StrEnum):
    INITIAL_PROMPT = "initial_prompt"
    REPLY = "reply"
    REVIEW = "review"
    RANKING = "ranking"

    @property
    def writes_text(self) -> bool:
        """The volunteer writes a text (a prompt or a reply)."""
        return self in (TaskKind.INITIAL_PROMPT, TaskKind.REPLY)


def task_kind(task_type: str) -> TaskKind:
    if task_type in REPLY_TASK_TYPES:
        return TaskKind.REPLY
    if task_type in REVIEW_TASK_TYPES:
        return TaskKind.REVIEW
    if task_type in RANKING_TASK_TYPES:
        return TaskKind.RANKING
    return TaskKind.INITIAL_PROMPT
