"""Request and response bodies of the datasets API (documented in the OpenAPI schema)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotation.models import TreeState
from exports.file_kinds import FileKind
from exports.filter_input import MAX_LANGS, MAX_SEED_LENGTH
from exports.filters import Inclusion
from exports.models import ExportJob, JobState
from exports.services.export_jobs import download_name

INCLUSIONS = [inclusion.value for inclusion in Inclusion]
INCLUSION_HELP = "exclude (default): leave them out (in a tree file, with what sits under them); include; only."
DATE_HELP = "A day (YYYY-MM-DD) or an ISO 8601 moment (UTC unless given)."


class ExportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FileKind.choices, help_text="Which file: trees, messages, parquet, ...")
    compress = serializers.BooleanField(default=False, help_text="gzip the file (Parquet compresses inside).")
    states = serializers.ListField(
        child=serializers.ChoiceField(choices=TreeState.choices),
        default=[TreeState.READY_FOR_EXPORT.value],
        max_length=len(TreeState.values),
        help_text="Tree states; an empty list for every state.",
    )
    langs = serializers.ListField(
        child=serializers.CharField(max_length=32),
        default=list,
        max_length=MAX_LANGS,
        help_text="Language tags of the trees (en, pt-BR, ...); empty for every language.",
    )
    deleted = serializers.ChoiceField(choices=INCLUSIONS, default=Inclusion.EXCLUDE.value, help_text=INCLUSION_HELP)
    rejected = serializers.ChoiceField(choices=INCLUSIONS, default=Inclusion.EXCLUDE.value, help_text=INCLUSION_HELP)
    synthetic = serializers.ChoiceField(choices=INCLUSIONS, default=Inclusion.EXCLUDE.value, help_text=INCLUSION_HELP)
    user_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="Only this user's messages (with their threads in a tree file)."
    )
    date_from = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=40, help_text=f"Trees created from. {DATE_HELP}"
    )
    date_to = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=40,
        help_text=f"Trees created until (a day is included). {DATE_HELP}",
    )
    prompts_only = serializers.BooleanField(default=False)
    labels = serializers.BooleanField(default=True)
    events = serializers.BooleanField(default=True)
    anonymize = serializers.BooleanField(
        default=False, help_text="Replace every id by a stable hash; always done for researchers."
    )
    anonymize_seed = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=MAX_SEED_LENGTH,
        help_text="The seed of the anonymization (the same seed gives the same ids); random when left out.",
    )


class ExportListQuerySerializer(serializers.Serializer):
    all = serializers.BooleanField(
        default=False, required=False, help_text="Every user's exports (moderators and admins)."
    )


class ExportFileSerializer(serializers.Serializer):
    """A file of a release."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=FileKind.choices)
    compress = serializers.BooleanField()
    file_name = serializers.SerializerMethodField()
    size_bytes = serializers.IntegerField(allow_null=True)
    trees = serializers.IntegerField()
    messages = serializers.IntegerField()
    rows = serializers.IntegerField()
    download_url = serializers.SerializerMethodField()

    def get_file_name(self, job: ExportJob) -> str:
        return download_name(job)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, job: ExportJob) -> str | None:
        """The API's download of the file, once it is ready."""
        if job.state != JobState.READY:
            return None
        return reverse("exports-api:export-download", args=[job.pk])


class ExportJobSerializer(ExportFileSerializer):
    state = serializers.ChoiceField(choices=JobState.choices)
    filters = serializers.JSONField(help_text="The filter of the file, as stored (anonymize_seed included).")
    trees_total = serializers.IntegerField(allow_null=True, help_text="Trees to read; null until counted.")
    trees_done = serializers.IntegerField(help_text="Trees read so far.")
    error = serializers.CharField()
    attempts = serializers.IntegerField()
    requested_by = serializers.UUIDField(source="requested_by_id", allow_null=True)
    release = serializers.UUIDField(source="release_id", allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class ReleaseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    hub_repo_id = serializers.CharField()
    hub_commit_url = serializers.CharField()
    statistics = serializers.JSONField()
    card = serializers.CharField(help_text="The dataset card (README.md): Markdown with a YAML header.")
    files = ExportFileSerializer(many=True)
