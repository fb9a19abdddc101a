"""Forms of the task pages and the conversation viewer. They parse the request; the services check the rules.

Limits a service enforces appear here only as hints to the browser (``maxlength``), never as validation.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.languages import LANGUAGES
from annotation.labels import LABELS_BY_NAME, REQUIRED_LABEL_NAMES, SIMPLE_LABEL_NAMES
from annotation.models import Report, TreeState
from annotation.selectors.my_work import KINDS, WorkFilter
from annotation.services.reactions import MAX_REPORT_REASON_LENGTH
from annotation.services.submissions import MAX_REVIEW_COMMENT_LENGTH
from annotation.services.task_handout import MAX_SKIP_REASON_LENGTH

SCALE_VALUES = ("0", "0.25", "0.5", "0.75", "1")

# What each label means, and the two ends of a 5-point scale.
LABEL_HELP = {
    "spam": _("Spam, trolling, or not a serious attempt at the task."),
    "fails_task": _("The reply does not do what was asked, or ignores the instructions."),
    "lang_mismatch": _("Not written in the language of the task."),
    "pii": _("Contains personal data: names, addresses, phone numbers, e-mail addresses..."),
    "not_appropriate": _("Inappropriate for a customer-facing assistant."),
    "hate_speech": _("Abusive or threatening towards a group of people."),
    "sexual_content": _("Contains sexual content."),
    "moral_judgement": _("Expresses moral judgement."),
    "political_content": _("Expresses political views."),
    "quality": _("How good is the text overall?"),
    "toxicity": _("Is the text rude, abusive or disrespectful?"),
    "humor": _("Is the text meant to be funny?"),
    "helpfulness": _("Does the reply help the user with what they asked?"),
    "creativity": _("Is the text original and unexpected?"),
    "violence": _("Does the text encourage or describe violence?"),
}
SCALE_ENDS = {
    "quality": (_("Low quality"), _("High quality")),
    "toxicity": (_("Polite"), _("Rude")),
    "humor": (_("Serious"), _("Funny")),
    "helpfulness": (_("Unhelpful"), _("Helpful")),
    "creativity": (_("Ordinary"), _("Creative")),
    "violence": (_("Harmless"), _("Violent")),
}

SKIP_REASONS = (
    ("not_interested", _("Not interested in this one")),
    ("dont_know", _("I don't know enough about the subject")),
    ("inappropriate", _("The content is inappropriate")),
    ("unclear", _("The task is unclear")),
    ("other", _("Other")),
)


class ReplyForm(forms.Form):
    # Not required here: a blank text is refused by the service, with the same error as in the API.
    text = forms.CharField(label=_("Your text"), required=False, strip=False, widget=forms.Textarea)
    lang = forms.CharField(required=False)


class ReviewForm(forms.Form):
    """One field per label of the task, named after the label."""

    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"maxlength": MAX_REVIEW_COMMENT_LENGTH}),
    )

    def __init__(self, *args, label_names: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The labels every review answers first, then the simple ones, then the rest in their own order.
        known = [name for name in label_names if name in LABELS_BY_NAME]
        self.label_names = sorted(
            known, key=lambda name: 0 if name in REQUIRED_LABEL_NAMES else 1 if name in SIMPLE_LABEL_NAMES else 2
        )
        for name in self.label_names:
            label = LABELS_BY_NAME[name]
            # Shown as required; whether an answer is missing is the service's call (InvalidLabels).
            required = name in REQUIRED_LABEL_NAMES
            if label.widget == "flag":
                field = forms.BooleanField(label=label.title, required=False)
            elif label.widget == "yes_no":
                field = forms.TypedChoiceField(
                    label=label.title,
                    choices=[("1", _("Yes")), ("0", _("No"))],
                    coerce=float,
                    required=False,
                    empty_value=None,
                    widget=forms.RadioSelect,
                )
            else:
                field = forms.TypedChoiceField(
                    label=label.title,
                    choices=[(value, str(position)) for position, value in enumerate(SCALE_VALUES, start=1)],
                    coerce=float,
                    required=False,
                    empty_value=None,
                    widget=forms.RadioSelect,
                )
            field.help_text = LABEL_HELP.get(name, "")
            field.shown_required = required
            self.fields[name] = field

    def labels(self) -> list[dict]:
        """The label fields with what the template needs to draw them."""
        rows = []
        for name in self.label_names:
            label = LABELS_BY_NAME[name]
            low, high = SCALE_ENDS.get(name, ("", ""))
            field = self[name]
            value = field.value()
            checked = str(value) if value not in (None, "", False) else ""
            # Drawn by hand in the template: Django's widget templates cost more than the rest of the page.
            choices = [
                {"value": choice, "label": text, "checked": choice == checked}
                for choice, text in getattr(field.field, "choices", [])
            ]
            rows.append(
                {
                    "name": name,
                    "widget": label.widget,
                    "title": field.label,
                    "help": field.help_text,
                    "required": field.field.shown_required,
                    "errors": field.errors,
                    "checked": bool(checked),
                    "choices": choices,
                    "low": low,
                    "high": high,
                }
            )
        return rows

    def values(self) -> dict[str, float]:
        values = {}
        for name in self.label_names:
            value = self.cleaned_data.get(name)
            if LABELS_BY_NAME[name].widget == "flag":
                values[name] = 1.0 if value else 0.0
            elif value is not None:
                values[name] = value
        return values


class OrderedValuesField(forms.MultipleChoiceField):
    """The values posted under one name, in order; which of them make a valid ranking is the service's call."""

    def valid_value(self, value: str) -> bool:
        return True


class RankingForm(forms.Form):
    ranking = OrderedValuesField(required=False)
    not_rankable = forms.BooleanField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("not_rankable"):
            data["ranking"] = None
        return data


class SkipForm(forms.Form):
    # The service's limit on the whole reason ("<choice>: <note>"), as the browser's hint.
    max_length = MAX_SKIP_REASON_LENGTH
    reason = forms.ChoiceField(label=_("Why skip?"), choices=SKIP_REASONS)
    note = forms.CharField(label=_("Anything to add? (optional)"), required=False)

    def reason_text(self) -> str:
        note = self.cleaned_data["note"].strip()
        return f"{self.cleaned_data['reason']}: {note}" if note else self.cleaned_data["reason"]


class ReportForm(forms.Form):
    # No reason chosen beforehand: the reporter picks one (a default filed "spam" in one click).
    report_type = forms.ChoiceField(
        label=_("What is wrong?"), choices=[("", _("Choose a reason")), *list(Report.ReportType.choices)]
    )
    reason = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"maxlength": MAX_REPORT_REASON_LENGTH})
    )


class EditMessageForm(forms.Form):
    text = forms.CharField(label=_("Text"), required=False, strip=False, widget=forms.Textarea)


# --- Browse -------------------------------------------------------------------------------------

BROWSE_DATES_REVERSED = _("The first day is after the last day.")


class MyWorkForm(forms.Form):
    """My work's filters, from the query string. A value that is not valid is left out (the filter falls back to
    its default) and shown as the field's error."""

    kind = forms.ChoiceField(required=False)
    lang = forms.CharField(required=False, max_length=32)
    tree_state = forms.ChoiceField(required=False)
    q = forms.CharField(required=False, max_length=200, strip=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, kind) for kind in KINDS]
        self.fields["tree_state"].choices = [("", ""), *TreeState.choices]

    def work_filter(self) -> WorkFilter:
        self.is_valid()
        valid = {name: value for name, value in self.cleaned_data.items() if value}
        return WorkFilter(**valid)


class BrowseForm(forms.Form):
    """Browse's search words and filters, from the query string; every one is optional."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, strip=True)
    lang = forms.ChoiceField(label=_("Language"), required=False)
    state = forms.ChoiceField(label=_("Tree state"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(required=False, min_value=1, max_value=500, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lang"].choices = [("", _("Any language")), *LANGUAGES]
        self.fields["state"].choices = [("", _("Any state")), *TreeState.choices]
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("Words to find"), "autofocus": True})

    def clean(self) -> dict:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", forms.ValidationError(BROWSE_DATES_REVERSED, code="dates_reversed"))
        return data

    def selector_filters(self) -> dict:
        """The cleaned fields as ``browse``'s keyword arguments."""
        data = self.cleaned_data
        return {
            "text": data.get("q") or "",
            "lang": data.get("lang") or None,
            "state": data.get("state") or None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "page": data.get("page") or 1,
        }
