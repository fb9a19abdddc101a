"""What moderation does when the task engine announces an event (connected in ModerationConfig.ready)."""

import uuid
from datetime import datetime

from annotation.models import REPLY_TASK_TYPES
from moderation.services.automoderation import (
    halt_if_skipped_too_often,
    hide_toxic_message,
    moderate_flagged_message,
)


def task_skipped(
    sender: object, *, task_type: str, tree_id: uuid.UUID | None, skipped_at: datetime, **kwargs: object
) -> None:
    # Only skipped replies count towards halting a tree.
    if task_type in REPLY_TASK_TYPES and tree_id is not None:
        halt_if_skipped_too_often(tree_id=tree_id, now=skipped_at)


def message_flagged(
    sender: object, *, message_id: uuid.UUID, tree_id: uuid.UUID, flagged_at: datetime, **kwargs: object
) -> None:
    moderate_flagged_message(message_id=message_id, now=flagged_at)


def message_scored_toxic(
    sender: object, *, message_id: uuid.UUID, model_name: str, score: float, scored_at: datetime, **kwargs: object
) -> None:
    hide_toxic_message(message_id=message_id, model_name=model_name, score=score, now=scored_at)
