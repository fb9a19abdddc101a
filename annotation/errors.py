"""The task engine's errors (SPEC 3): subclasses of the core errors, each with a stable code."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, DomainError, InvalidInput, PermissionDenied


# Task hand-out and submissions (SPEC 3).
class NoTaskAvailable(DomainError):
    code = "no_task_available"
    http_status = 404
    default_message = _("There is no task of this kind available right now.")


class TooManyPendingTasks(Conflict):
    code = "too_many_pending_tasks"
    default_message = _("You already have too many open tasks; finish or skip one first.")


class InvalidTaskType(InvalidInput):
    code = "invalid_task_type"
    default_message = _("Unknown task type.")


class NotTaskOwner(PermissionDenied):
    code = "not_task_owner"
    default_message = _("This task belongs to someone else.")


class TaskClosed(Conflict):
    code = "task_closed"
    default_message = _("This task is already closed.")


class TaskExpired(Conflict):
    code = "task_expired"
    http_status = 410
    default_message = _("This task has expired and its place was given to someone else.")


class WrongTaskKind(InvalidInput):
    code = "wrong_task_kind"
    default_message = _("This submission does not fit this kind of task.")


class TreeNotOpen(Conflict):
    code = "tree_not_open"
    default_message = _("This conversation no longer accepts this contribution.")


class TextBlank(InvalidInput):
    code = "text_blank"
    default_message = _("The text may not be empty.")


class TextTooLong(InvalidInput):
    code = "text_too_long"
    default_message = _("The text is too long.")


class TextInvalidCharacters(InvalidInput):
    code = "text_invalid_characters"
    default_message = _("The text holds control characters; remove them and send it again.")


class DuplicateText(InvalidInput):
    code = "duplicate_text"
    default_message = _("You sent the same text a moment ago.")


class AlreadyReplied(Conflict):
    code = "already_replied"
    default_message = _("You already replied to this message.")


class InvalidLabels(InvalidInput):
    code = "invalid_labels"
    default_message = _("The label values are not valid.")


class ReviewCommentTooLong(InvalidInput):
    code = "comment_too_long"
    default_message = _("The comment is too long.")


class SkipReasonTooLong(InvalidInput):
    code = "skip_reason_too_long"
    default_message = _("The reason for skipping is too long.")


class InvalidRanking(InvalidInput):
    code = "invalid_ranking"
    default_message = _("The ranking must order exactly the replies shown.")
