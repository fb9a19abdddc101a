"""Moderation's errors: subclasses of the core errors, each with a stable code."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, InvalidInput, PermissionDenied


class NotModerator(PermissionDenied):
    code = "not_moderator"
    default_message = _("Only moderators may do this.")


class CannotBanUser(PermissionDenied):
    code = "cannot_ban_user"
    default_message = _("You may not ban this user.")


class AlreadyHidden(Conflict):
    code = "already_hidden"
    default_message = _("This message is already hidden.")


class NotHidden(Conflict):
    code = "not_hidden"
    default_message = _("This message is not hidden.")


class NoOpenFlags(Conflict):
    code = "no_open_flags"
    default_message = _("This message has no open flags.")


class TextUnchanged(InvalidInput):
    code = "text_unchanged"
    default_message = _("The new text is the same as the old one.")


class AlreadyBanned(Conflict):
    code = "already_banned"
    default_message = _("This user is already banned.")


class NotBanned(Conflict):
    code = "not_banned"
    default_message = _("This user is not banned.")


class ReasonTooLong(InvalidInput):
    code = "reason_too_long"
    default_message = _("The reason is too long.")


class ReasonInvalidCharacters(InvalidInput):
    code = "reason_invalid_characters"
    default_message = _("The reason may not contain a NUL character.")


class NoteBlank(InvalidInput):
    code = "note_blank"
    default_message = _("The note may not be empty.")


class PurgePlanChanged(Conflict):
    code = "purge_plan_changed"
    default_message = _("What the purge would hide has changed since the preview: check the new preview.")
