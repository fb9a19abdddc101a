"""Request and response bodies of the REST API (documented in the OpenAPI schema)."""

from collections.abc import Mapping

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from accounts.models import TimeFrame, UserStats
from annotation.labels import LABELS_BY_NAME
from annotation.models import Message, Ranking, Report, Role, Task, TaskState, TaskType
from annotation.services.reactions import EMOJIS, MAX_REPORT_REASON_LENGTH, REPORT_TYPES
from annotation.services.submissions import LANG_TAG, MAX_REVIEW_COMMENT_LENGTH
from annotation.services.task_handout import MAX_SKIP_REASON_LENGTH

RANDOM = "random"


class LangField(serializers.RegexField):
    """A BCP-47 tag as used in the datasets: en, pt-BR, zh-Hant. Never empty: leave it out for the default."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": _("Not a language tag such as en or pt-BR.")})
        super().__init__(LANG_TAG, max_length=32, allow_blank=False, **kwargs)

    def get_value(self, dictionary: Mapping) -> object:
        # In a query string the REST framework takes an empty optional value (``?lang=``) for a missing one.
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


# --- Messages -------------------------------------------------------------------------------


class MessageSerializer(serializers.Serializer):
    # Plain serializers, not ModelSerializers: those rebuild their fields from the model for every response,
    # and every task response holds several messages.
    id = serializers.UUIDField(read_only=True)
    tree_id = serializers.UUIDField(read_only=True)
    parent_id = serializers.UUIDField(read_only=True, allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    lang = serializers.CharField(read_only=True, label=capfirst(_("language")))
    text = serializers.CharField(read_only=True)
    depth = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True, label=capfirst(_("created")))
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    review_count = serializers.IntegerField(read_only=True)
    review_result = serializers.BooleanField(read_only=True, allow_null=True)
    rank = serializers.IntegerField(read_only=True, allow_null=True)
    deleted = serializers.BooleanField(read_only=True)
    synthetic = serializers.BooleanField(read_only=True)
    model_name = serializers.CharField(read_only=True)
    emojis = serializers.DictField(child=serializers.IntegerField(), read_only=True, help_text="Count per emoji code.")
    is_own = serializers.SerializerMethodField()
    user_emojis = serializers.SerializerMethodField(help_text="The emojis the current user set on this message.")

    def get_is_own(self, message: Message) -> bool:
        request = self.context.get("request")
        return request is not None and message.author_id == request.user.pk

    def get_user_emojis(self, message: Message) -> list[str]:
        # Set by the shared selectors that read messages for a viewer.
        return sorted(getattr(message, "my_reactions", ()))


class MessageEditSerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, allow_blank=True)


@extend_schema_field({"type": "string", "enum": list(EMOJIS)})
class EmojiField(serializers.CharField):
    """An emoji code. The service refuses an unknown code (``unknown_emoji``); the schema lists the known ones."""


class EmojiSerializer(serializers.Serializer):
    emoji = EmojiField(max_length=32)
    on = serializers.BooleanField(default=True, help_text="true sets the reaction, false removes it.")


class EmojiCountsSerializer(serializers.Serializer):
    emojis = serializers.DictField(child=serializers.IntegerField(), help_text="Count per emoji code.")
    user_emojis = serializers.ListField(child=serializers.CharField())


@extend_schema_field(
    {
        "type": "object",
        "properties": {name: {"type": "number", "minimum": 0, "maximum": 1} for name in LABELS_BY_NAME},
        "additionalProperties": False,
    }
)
class ReportLabelsField(serializers.DictField):
    """Label name -> value in [0, 1]. The service refuses an unknown name (``invalid_report``); the schema lists
    the known ones."""

    child = serializers.FloatField(min_value=0, max_value=1)


class ReportRequestSerializer(serializers.Serializer):
    report_type = serializers.ChoiceField(choices=Report.ReportType.choices, default=Report.ReportType.OTHER)
    reason = serializers.CharField(
        allow_blank=True, default="", help_text=f"At most {MAX_REPORT_REASON_LENGTH} characters."
    )
    labels = ReportLabelsField(default=dict, help_text='e.g. {"pii": 1, "toxicity": 0.75}.')


class ReportSerializer(serializers.ModelSerializer):
    message_id = serializers.UUIDField(read_only=True)
    report_type = serializers.ChoiceField(choices=REPORT_TYPES, read_only=True)
    labels = ReportLabelsField(read_only=True)

    class Meta:
        model = Report
        fields = ["id", "message_id", "report_type", "reason", "labels", "created_at"]
        read_only_fields = fields


# --- Tasks ----------------------------------------------------------------------------------


class TaskRequestSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=[RANDOM, *TaskType.values], default=RANDOM, help_text="A task type, or random (weighted draw)."
    )
    lang = LangField(required=False, help_text="Defaults to the user's first language, else en.")


class AvailabilityQuerySerializer(serializers.Serializer):
    lang = LangField(required=False)


class SkipSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, default="", help_text=f"At most {MAX_SKIP_REASON_LENGTH} characters."
    )


class TaskSerializer(serializers.Serializer):
    """A task with everything needed to show it; ``thread`` and ``replies`` come in the context."""

    id = serializers.UUIDField(read_only=True)
    type = serializers.ChoiceField(choices=TaskType.choices, read_only=True)
    state = serializers.ChoiceField(choices=TaskState.choices, read_only=True)
    lang = serializers.CharField(read_only=True)
    tree_id = serializers.UUIDField(read_only=True, allow_null=True)
    parent_message_id = serializers.UUIDField(read_only=True, allow_null=True)
    message_id = serializers.UUIDField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    acknowledged_at = serializers.DateTimeField(read_only=True, allow_null=True)
    expires_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    thread = serializers.SerializerMethodField(help_text="Root to the message replied to, reviewed or ranked under.")
    replies = serializers.SerializerMethodField(help_text="Ranking tasks: the replies to rank, in the order shown.")
    full_labels = serializers.SerializerMethodField()
    label_names = serializers.SerializerMethodField(help_text="Review tasks: the labels to fill in.")
    hint = serializers.SerializerMethodField()

    @extend_schema_field(MessageSerializer(many=True))
    def get_thread(self, task: Task) -> list[dict]:
        return MessageSerializer(self.context["thread"], many=True, context=self.context).data

    @extend_schema_field(MessageSerializer(many=True))
    def get_replies(self, task: Task) -> list[dict]:
        return MessageSerializer(self.context["replies"], many=True, context=self.context).data

    def get_full_labels(self, task: Task) -> bool | None:
        return task.payload.get("full_labels")

    def get_label_names(self, task: Task) -> list[str]:
        return task.payload.get("label_names", [])

    def get_hint(self, task: Task) -> str | None:
        return task.payload.get("hint")


class TextSubmissionSerializer(serializers.Serializer):
    """initial_prompt, prompter_reply, assistant_reply."""

    text = serializers.CharField(trim_whitespace=False, allow_blank=True)
    lang = LangField(required=False, help_text="initial_prompt only; defaults to the task's language.")


class ReviewSubmissionSerializer(serializers.Serializer):
    """label_initial_prompt, label_prompter_reply, label_assistant_reply."""

    values = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=1),
        help_text="Label name -> value in [0, 1]; 5-point scales as 0, .25, .5, .75, 1; yes/no and flags 0/1.",
    )
    comment = serializers.CharField(
        allow_blank=True, default="", help_text=f"At most {MAX_REVIEW_COMMENT_LENGTH} characters."
    )


class RankingSubmissionSerializer(serializers.Serializer):
    """rank_assistant_replies, rank_prompter_replies."""

    ranking = serializers.ListField(
        child=serializers.UUIDField(format="hex_verbose"),
        required=False,
        allow_null=True,
        max_length=100,
        help_text="The reply ids best first: a permutation of the task's replies.",
    )
    not_rankable = serializers.BooleanField(default=False, help_text="None of the replies is acceptable.")

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("ranking") and not attrs["not_rankable"]:
            raise serializers.ValidationError({"ranking": [_("Give a ranking, or set not_rankable.")]})
        return attrs


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    message_id = serializers.UUIDField(read_only=True)
    values = serializers.JSONField(read_only=True)
    full = serializers.BooleanField(read_only=True)
    comment = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class RankingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    parent_id = serializers.UUIDField(read_only=True)
    ranking = serializers.SerializerMethodField(help_text="Message ids, best first.")
    not_rankable = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_ranking(self, ranking: Ranking) -> list[str]:
        return [ranking.ranked_message_ids[i] for i in ranking.ranking]


class ReleasedSerializer(serializers.Serializer):
    released = serializers.IntegerField(help_text="How many open tasks were released.")


class SubmissionResultSerializer(serializers.Serializer):
    task = TaskSerializer()
    message = MessageSerializer(allow_null=True, help_text="Text tasks: the new message.")
    review = ReviewSerializer(allow_null=True, help_text="Review tasks: the review.")
    ranking = RankingSerializer(allow_null=True, help_text="Ranking tasks: the ranking.")


# --- The current user -----------------------------------------------------------------------


class UserStatsSerializer(serializers.ModelSerializer):
    class Meta:
        model = UserStats
        exclude = ["id", "user", "time_frame"]
        read_only_fields = [f.name for f in UserStats._meta.fields]


class MyStatsSerializer(serializers.Serializer):
    streak_days = serializers.IntegerField()
    frames = serializers.DictField(
        child=UserStatsSerializer(allow_null=True),
        help_text=f"Per time frame ({', '.join(TimeFrame.values)}): the user's counters, or null.",
    )


class HealthSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
