"""What every moderator action shares: the moderator check and its record in the audit log (SPEC 5)."""

from accounts.models import User
from annotation.models import Message, MessageTree
from moderation.errors import NotModerator
from moderation.models import ModerationAction
from moderation.policies import can_moderate


def check_moderator(moderator: User) -> None:
    if not can_moderate(moderator):
        raise NotModerator()


def record_action(
    *,
    moderator: User | None,
    kind: str,
    reason: str = "",
    message: Message | None = None,
    tree: MessageTree | None = None,
    target_user: User | None = None,
    details: dict | None = None,
) -> ModerationAction:
    """The audit row of one action; written inside the action's own transaction, so both stand or fall together.

    ``moderator`` is None for what the platform does on its own (auto-moderation).
    """
    return ModerationAction.objects.create(
        moderator=moderator,
        kind=kind,
        reason=(reason or "").strip(),
        message=message,
        tree=tree,
        target_user=target_user,
        details=details or {},
    )
