"""What volunteers do to messages outside tasks: emoji reactions, reports, edits of their own text (SPEC 4)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from annotation.labels import LABELS_BY_NAME
from annotation.message_text import check_message_text
from annotation.models import EmojiReaction, Message, MessageRevision, Report
from annotation.policies import can_edit_message, can_vote_on
from annotation.signals import message_flagged, message_written
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

THUMBS_UP, THUMBS_DOWN, RED_FLAG = "+1", "-1", "red_flag"
EMOJIS = (
    *(THUMBS_UP, THUMBS_DOWN, RED_FLAG, "100", "rofl", "clap"),
    *("diamond", "heart_eyes", "disappointed", "poop", "skull"),
)
# +1 and -1 exclude each other and are not allowed on one's own message.
EXCLUSIVE = {THUMBS_UP: THUMBS_DOWN, THUMBS_DOWN: THUMBS_UP}
REPORT_TYPES = (*Report.ReportType.values, RED_FLAG)
MAX_REPORT_REASON_LENGTH = 2000


class UnknownEmoji(InvalidInput):
    code = "unknown_emoji"
    default_message = _("Unknown emoji.")


class OwnMessage(PermissionDenied):
    code = "own_message"
    default_message = _("You cannot vote on your own message.")


class InvalidReport(InvalidInput):
    code = "invalid_report"
    default_message = _("This report is not valid.")


class NotAuthor(PermissionDenied):
    code = "not_author"
    default_message = _("Only the author may edit this message.")


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    default_message = _("This message has been reviewed and can no longer be edited.")


class BeingReviewed(Conflict):
    code = "being_reviewed"
    default_message = _("Somebody is reviewing this message right now, so it can no longer be edited.")


def _announce_flag(message: Message) -> None:
    """Tell other apps (auto-moderation) about a new red flag or report once it is committed."""
    flagged = {"message_id": message.pk, "tree_id": message.tree_id, "flagged_at": timezone.now()}
    transaction.on_commit(lambda: message_flagged.send(sender=Message, **flagged))


def _lock_live_message(message: Message) -> Message:
    """The message row, locked so that its counters change one request at a time."""
    locked = Message.objects.select_for_update(no_key=True).filter(pk=message.pk, deleted=False).first()
    if locked is None:
        raise NotFound(_("No such message."))
    return locked


def _add_reaction(*, user: User, message: Message, emoji: str) -> bool:
    _, created = EmojiReaction.objects.get_or_create(user=user, message=message, emoji=emoji)
    if created:
        message.emojis[emoji] = message.emojis.get(emoji, 0) + 1
    return created


def _remove_reaction(*, user: User, message: Message, emoji: str) -> bool:
    deleted, _ = EmojiReaction.objects.filter(user=user, message=message, emoji=emoji).delete()
    if deleted:
        count = message.emojis.get(emoji, 0) - 1
        if count > 0:
            message.emojis[emoji] = count
        else:
            message.emojis.pop(emoji, None)
    return bool(deleted)


@transaction.atomic
def set_emoji(*, user: User, message: Message, emoji: str, on: bool = True) -> dict[str, int]:
    """Set (or with ``on=False`` remove) the user's reaction; returns the message's new counts.

    A red flag also opens a report, which puts the message in the moderation queue.
    """
    if emoji not in EMOJIS:
        raise UnknownEmoji(emoji=emoji)
    message = _lock_live_message(message)
    if emoji in EXCLUSIVE and not can_vote_on(user, message):
        raise OwnMessage()
    if on:
        if emoji in EXCLUSIVE:
            _remove_reaction(user=user, message=message, emoji=EXCLUSIVE[emoji])
        added = _add_reaction(user=user, message=message, emoji=emoji)
        if (
            added
            and emoji == RED_FLAG
            and not Report.objects.filter(user=user, message=message, resolved_at__isnull=True).exists()
        ):
            Report.objects.create(user=user, message=message, report_type=RED_FLAG)
        if added and emoji == RED_FLAG:
            _announce_flag(message)
    else:
        _remove_reaction(user=user, message=message, emoji=emoji)
        if emoji == RED_FLAG:
            Report.objects.filter(user=user, message=message, report_type=RED_FLAG, resolved_at__isnull=True).delete()
    message.save(update_fields=["emojis"])
    return dict(message.emojis)


@transaction.atomic
def report_message(
    *, user: User, message: Message, report_type: str, reason: str, labels: dict | None = None
) -> Report:
    """A report (labels and a reason) on a message; it also counts as the user's red flag."""
    labels = labels or {}
    if report_type not in REPORT_TYPES:
        raise InvalidReport(_("Unknown report type."), report_type=report_type)
    if len(reason) > MAX_REPORT_REASON_LENGTH:
        raise InvalidReport(_("The reason is too long."))
    unknown = sorted(set(labels) - set(LABELS_BY_NAME))
    if unknown:
        raise InvalidReport(_("Unknown labels."), labels=unknown)
    if any(not isinstance(v, int | float) or isinstance(v, bool) or not 0 <= v <= 1 for v in labels.values()):
        raise InvalidReport(_("Label values are numbers between 0 and 1."))
    message = _lock_live_message(message)
    report = Report.objects.create(
        user=user, message=message, report_type=report_type, reason=reason.strip(), labels=labels
    )
    if _add_reaction(user=user, message=message, emoji=RED_FLAG):
        message.save(update_fields=["emojis"])
    _announce_flag(message)
    return report


def message_is_editable(message: Message) -> bool:
    """The state rule of editing one's message: nobody has reviewed it nor is reviewing it."""
    return not (message.review_count or message.review_result is not None or message.review_claims)


@transaction.atomic
def edit_own_message(*, user: User, message: Message, text: str) -> Message:
    """Replace the text of the user's own message while nobody has reviewed it; the old text is kept."""
    message = _lock_live_message(message)
    if not can_edit_message(user, message):
        raise NotAuthor()
    if message.review_count or message.review_result is not None or message.reviews.exists():
        raise AlreadyReviewed()
    # (message_is_editable, asked again under the lock, with the Review rows checked too.)
    if message.review_claims:
        raise BeingReviewed()
    text = check_message_text(text)
    if text != message.text:
        MessageRevision.objects.create(message=message, text=message.text, edited_by=user)
        message.text = text
        message.edited_at = timezone.now()
        message.save(update_fields=["text", "edited_at"])
        message_written.send(sender=Message, message_id=message.pk, edited=True, written_at=message.edited_at)
    return message
