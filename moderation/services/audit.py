"""What every moderator action shares: the moderator check and its record in the audit log (SPEC 5)."""

from django.utils.translation import gettext as _

from accounts.models import User
from annotation.models import Message, MessageTree
from moderation.errors import NotModerator, ReasonInvalidCharacters, ReasonTooLong
from moderation.models import ModerationAction
from moderation.policies import can_moderate

# The reason of an action (a note on a user is its own reason), on every surface.
MAX_REASON_LENGTH = 2000


def check_moderator(moderator: User) -> None:
    if not can_moderate(moderator):
        raise NotModerator()


def check_reason(reason: str | None) -> str:
    """The reason as it is recorded (without surrounding whitespace), or ReasonInvalidCharacters (a NUL, which
    PostgreSQL cannot store) / ReasonTooLong. The forms and serializers pass what was typed on to this rule."""
    reason = (reason or "").strip()
    if "\x00" in reason:
        raise ReasonInvalidCharacters()
    if len(reason) > MAX_REASON_LENGTH:
        raise ReasonTooLong(
            _("The reason is %(length)d characters long; at most %(limit)d are allowed.")
            % {"length": len(reason), "limit": MAX_REASON_LENGTH}
        )
    return reason


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

    ``moderator`` is None for what the platform does on its own (auto-moderation). A reason ``check_reason``
    refuses rolls the action back with it.
    """
    reason = check_reason(reason)
    return ModerationAction.objects.create(
        moderator=moderator,
        kind=kind,
        reason=reason,
        message=message,
        tree=tree,
        target_user=target_user,
        details=details or {},
    )
