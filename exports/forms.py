"""The datasets page's form: parses the request; the filter's checks are exports.filter_input's, the rest the
service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from annotation.models import TreeState
from core.errors import InvalidInput
from exports.file_kinds import FileKind
from exports.filter_input import MAX_SEED_LENGTH, build_filter, split_langs
from exports.filters import ExportFilter, Inclusion

INCLUSION_CHOICES = [
    (Inclusion.EXCLUDE.value, _("Leave out")),
    (Inclusion.INCLUDE.value, _("Include")),
    (Inclusion.ONLY.value, _("Only these")),
]
DATE = forms.DateInput(attrs={"type": "date"})


class ExportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("File"), choices=FileKind.choices, initial=FileKind.TREES)
    compress = forms.BooleanField(label=_("Compress with gzip"), required=False, initial=True)
    states = forms.MultipleChoiceField(
        label=_("Tree states"),
        choices=TreeState.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[TreeState.READY_FOR_EXPORT],
        help_text=_("Leave every box empty for trees in any state."),
    )
    langs = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=500,
        help_text=_("Language codes separated by commas, e.g. en, es, pt-BR; empty for every language."),
    )
    deleted = forms.ChoiceField(label=_("Deleted messages"), choices=INCLUSION_CHOICES, initial=Inclusion.EXCLUDE)
    rejected = forms.ChoiceField(
        label=_("Rejected messages (spam)"), choices=INCLUSION_CHOICES, initial=Inclusion.EXCLUDE
    )
    synthetic = forms.ChoiceField(
        label=_("Synthetic messages (written by a model)"), choices=INCLUSION_CHOICES, initial=Inclusion.EXCLUDE
    )
    user_id = forms.UUIDField(
        label=_("Only the messages of one user"),
        required=False,
        help_text=_("A user id; in a tree file, with the threads that lead to their messages."),
    )
    date_from = forms.DateField(label=_("Trees created from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Trees created until"), required=False, widget=DATE)
    prompts_only = forms.BooleanField(label=_("Prompts only"), required=False)
    labels = forms.BooleanField(label=_("With the labels"), required=False, initial=True)
    events = forms.BooleanField(
        label=_("With the events (each reaction, ranking and report)"), required=False, initial=True
    )
    anonymize = forms.BooleanField(
        label=_("Anonymize user and message ids"),
        required=False,
        initial=True,
        help_text=_("Every id is replaced by a stable hash of the id and the seed."),
    )
    anonymize_seed = forms.CharField(
        label=_("Anonymization seed"),
        required=False,
        max_length=MAX_SEED_LENGTH,
        help_text=_("The same seed gives the same ids in every file; empty for a random seed."),
    )

    def __init__(self, *args, may_export_real_ids: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not may_export_real_ids:
            field = self.fields["anonymize"]
            field.disabled = True
            field.help_text = _("Files for researchers are always anonymized.")

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            data["export_filter"] = build_filter(
                states=data["states"],
                langs=split_langs(data["langs"]),
                deleted=data["deleted"],
                rejected=data["rejected"],
                synthetic=data["synthetic"],
                user_id=data["user_id"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                prompts_only=data["prompts_only"],
                labels=data["labels"],
                events=data["events"],
                anonymize_seed=data["anonymize_seed"],
            )
        except InvalidInput as error:
            field = error.details.get("field")
            self.add_error(field if field in self.fields else None, error.message)
        return data

    @property
    def export_filter(self) -> ExportFilter:
        return self.cleaned_data["export_filter"]
