"""Forms of the moderation pages. They parse the request; the services check the rules."""

import uuid

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from moderation.models import ModerationAction
from moderation.selectors import flag_queue
from moderation.selectors.audit_log import find_user
from moderation.services.audit import MAX_REASON_LENGTH


class ReasonField(forms.CharField):
    """The reason of an action (or a note) as typed. What a reason may hold is the audit service's rule
    (``check_reason``), so the field does not refuse a NUL by itself: the page shows the service's error, the same
    the API gives."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


# --- The audit log ----------------------------------------------------------------------------

NO_SUCH_USER = _("No user with this name or id.")
DATES_REVERSED = _("The first day is after the last day.")


class AuditLogFilterForm(forms.Form):
    """The audit log's filters, from the query string; every one is optional."""

    moderator = forms.CharField(label=_("Moderator"), required=False, max_length=150, help_text=_("User name or id"))
    kind = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *ModerationAction.Kind.choices]
    )
    user = forms.CharField(label=_("User"), required=False, max_length=150, help_text=_("User name or id"))
    tree = forms.UUIDField(label=_("Tree id"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def _user(self, name: str):
        reference = self.cleaned_data.get(name, "").strip()
        if not reference:
            return None
        user = find_user(reference=reference)
        if user is None:
            raise forms.ValidationError(NO_SUCH_USER, code="no_such_user")
        return user

    def clean_moderator(self):
        return self._user("moderator")

    def clean_user(self):
        return self._user("user")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", forms.ValidationError(DATES_REVERSED, code="dates_reversed"))
        return data

    def selector_filters(self) -> dict:
        """The cleaned filters as ``audit_log``'s keyword arguments."""
        data = self.cleaned_data
        return {
            "moderator": data.get("moderator"),
            "kind": data.get("kind") or None,
            "target_user": data.get("user"),
            "tree": data.get("tree"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


# --- The page of one user ---------------------------------------------------------------------


class ReasonForm(forms.Form):
    """Ban, unban and purge: the reason recorded in the audit log."""

    reason = ReasonField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_REASON_LENGTH})
    )


class UserNoteForm(forms.Form):
    note = ReasonField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_REASON_LENGTH})
    )


class PurgeForm(ReasonForm):
    """The purge's confirmation: the ids of the messages the confirmed preview listed, space-separated."""

    message_ids = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_message_ids(self) -> list[uuid.UUID]:
        try:
            return [uuid.UUID(value) for value in self.cleaned_data["message_ids"].split()]
        except ValueError as error:
            raise forms.ValidationError(_("Not a list of message ids."), code="invalid") from error


# --- The flag queue ---------------------------------------------------------------------------

DEFAULT_ACTION_REASON = _("Flag queue review")


class FlagQueueFilterForm(forms.Form):
    """The flag queue's filters, from the query string (or the body of an action, to answer the same list)."""

    language = forms.CharField(label=_("Language"), required=False, max_length=32, help_text=_("Language code"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("Red flags and reports")),
            (flag_queue.KIND_RED_FLAG, _("Red flags")),
            (flag_queue.KIND_REPORT, _("Reports")),
            (flag_queue.KIND_TOXICITY, _("Toxicity")),
        ],
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            (flag_queue.STATE_OPEN, _("Open")),
            (flag_queue.STATE_DISMISSED, _("Dismissed")),
            (flag_queue.STATE_ACTED_ON, _("Acted on")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            (flag_queue.SORT_NEWEST, _("Newest first")),
            (flag_queue.SORT_MOST_FLAGGED, _("Most flagged first")),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=flag_queue.MAX_PAGE, widget=forms.HiddenInput)

    def selector_filters(self) -> dict:
        return flag_queue.queue_filters(self.cleaned_data)


class FlagActionForm(forms.Form):
    """The reason a moderator gives for an action in the queue; a default one if left empty."""

    reason = ReasonField(
        label=_("Reason"), required=False, widget=forms.TextInput(attrs={"maxlength": MAX_REASON_LENGTH})
    )

    def reason_text(self) -> str:
        return self.cleaned_data.get("reason", "").strip() or str(DEFAULT_ACTION_REASON)


class FlagEditForm(FlagActionForm):
    text = forms.CharField(label=_("New text"), widget=forms.Textarea(attrs={"rows": 4}), strip=False)
