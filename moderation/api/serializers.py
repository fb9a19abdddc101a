"""Request and response bodies of the moderation API (documented in the OpenAPI schema)."""

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import TimeFrame
from moderation.models import ModerationAction
from moderation.selectors import flag_queue
from moderation.selectors.audit_log import find_user
from moderation.selectors.trollboard import FLAG_LABEL_NAMES

# --- The trollboard ---------------------------------------------------------------------------


class TrollboardQuerySerializer(serializers.Serializer):
    frame = serializers.ChoiceField(choices=TimeFrame.choices, default=TimeFrame.WEEK)


class TrollRowSerializer(serializers.Serializer):
    user_id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    enabled = serializers.BooleanField(read_only=True, help_text="False for a banned user.")
    score = serializers.FloatField(read_only=True, help_text="The troll score: the sum of the terms below.")
    red_flags = serializers.IntegerField(read_only=True, help_text="Red flags received (each counts 3 times).")
    upvotes = serializers.IntegerField(read_only=True, help_text="Upvotes received (subtracted).")
    downvotes = serializers.IntegerField(read_only=True, help_text="Downvotes received.")
    rejected_prompts = serializers.IntegerField(read_only=True, help_text="Initial prompts rejected by review.")
    flag_label_total = serializers.FloatField(read_only=True, help_text="The sum of flag_labels.")
    flag_labels = serializers.DictField(
        child=serializers.FloatField(),
        read_only=True,
        help_text=f"Per flag label ({', '.join(FLAG_LABEL_NAMES)}): the sum of its values in the reviews received.",
    )


class TrollboardSerializer(serializers.Serializer):
    time_frame = serializers.ChoiceField(choices=TimeFrame.choices, read_only=True)
    rows = TrollRowSerializer(many=True, read_only=True, help_text="Highest score first, ties by username.")


# --- The audit log ----------------------------------------------------------------------------

NO_SUCH_USER = _("No user with this name or id.")
DATES_REVERSED = _("The first day is after the last day.")


class AuditLogQuerySerializer(serializers.Serializer):
    """The audit log's filters; every one is optional and all given must match."""

    moderator = serializers.CharField(
        required=False, max_length=150, help_text="The moderator's user name or id (automatic actions have none)."
    )
    kind = serializers.ChoiceField(required=False, choices=ModerationAction.Kind.choices, help_text="The action.")
    user = serializers.CharField(
        required=False, max_length=150, help_text="The user name or id of the user the action was about."
    )
    tree = serializers.UUIDField(required=False, help_text="The tree the action was about.")
    date_from = serializers.DateField(required=False, help_text="First day (included), in the server's time zone.")
    date_to = serializers.DateField(required=False, help_text="Last day (included), in the server's time zone.")

    def _user(self, reference: str):
        user = find_user(reference=reference.strip())
        if user is None:
            raise serializers.ValidationError(NO_SUCH_USER, code="no_such_user")
        return user

    def validate_moderator(self, value: str):
        return self._user(value)

    def validate_user(self, value: str):
        return self._user(value)

    def validate(self, data: dict) -> dict:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_to": [DATES_REVERSED]}, code="dates_reversed")
        return data

    def selector_filters(self) -> dict:
        """The validated filters as ``audit_log``'s keyword arguments."""
        data = dict(self.validated_data)
        data["target_user"] = data.pop("user", None)
        return data


class AuditUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class ModerationActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    moderator = AuditUserSerializer(allow_null=True, help_text="Who acted; null when the platform did.")
    automatic = serializers.SerializerMethodField(help_text="Taken by the platform's automatic moderation.")
    kind = serializers.ChoiceField(choices=ModerationAction.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display", help_text="The action, in the request's language.")
    reason = serializers.CharField(allow_blank=True)
    message_id = serializers.UUIDField(allow_null=True)
    tree_id = serializers.UUIDField(allow_null=True)
    target_user = AuditUserSerializer(allow_null=True, help_text="The user the action was about.")
    details = serializers.JSONField(help_text="What changed: usually `before` and `after`.")

    def get_automatic(self, action: ModerationAction) -> bool:
        return action.moderator_id is None


# --- Actions on messages and trees ------------------------------------------------------------

REASON_HELP = "Why: kept in the audit log (at most 2000 characters, no NUL)."


class ReasonField(serializers.CharField):
    """A reason (or a note) as sent: the audit service's rule says what it may hold (see moderation.forms)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


class ReasonSerializer(serializers.Serializer):
    reason = ReasonField(required=False, default="", allow_blank=True, help_text=REASON_HELP)


class ModeratorEditSerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, allow_blank=True, help_text="The new text.")
    reason = ReasonField(required=False, default="", allow_blank=True, help_text=REASON_HELP)


class ModeratedMessageSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    tree_id = serializers.UUIDField(read_only=True)
    parent_id = serializers.UUIDField(read_only=True, allow_null=True)
    author_id = serializers.UUIDField(read_only=True, allow_null=True)
    role = serializers.CharField(read_only=True)
    lang = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    depth = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    review_result = serializers.BooleanField(read_only=True, allow_null=True)
    deleted = serializers.BooleanField(read_only=True, help_text="True for a hidden message.")


class HiddenMessageSerializer(serializers.Serializer):
    message = ModeratedMessageSerializer(read_only=True)
    hidden_ids = serializers.ListField(
        child=serializers.UUIDField(), read_only=True, help_text="The message and the replies under it hidden now."
    )


class RestoredMessageSerializer(serializers.Serializer):
    message = ModeratedMessageSerializer(read_only=True)
    restored_ids = serializers.ListField(
        child=serializers.UUIDField(), read_only=True, help_text="The message and its ancestors restored now."
    )


class DismissedFlagsSerializer(serializers.Serializer):
    message = ModeratedMessageSerializer(read_only=True)
    dismissed = serializers.IntegerField(read_only=True, help_text="How many open reports (red flags included).")


class ModeratedTreeSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    state = serializers.CharField(read_only=True)
    state_before_halt = serializers.CharField(read_only=True, help_text="Set while halted: where resume returns.")
    lang = serializers.CharField(read_only=True)
    state_changed_at = serializers.DateTimeField(read_only=True)


# --- Users ------------------------------------------------------------------------------------


class UserNoteSerializer(serializers.Serializer):
    note = ReasonField(help_text="A line added to the moderators' notes on the user (at most 2000 characters, no NUL).")


class ModeratedUserSerializer(serializers.Serializer):
    """A user as a moderator sees them; ``context`` holds ``activity`` (a ``UserActivity``) and ``show_email``."""

    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    email = serializers.SerializerMethodField(help_text="Only for admins (and the user themself); null otherwise.")
    role = serializers.CharField(read_only=True)
    enabled = serializers.BooleanField(read_only=True, help_text="False for a banned user.")
    is_placeholder = serializers.BooleanField(read_only=True, help_text="Made by an import; cannot log in.")
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    notes = serializers.CharField(read_only=True, help_text="The moderators' notes.")
    show_on_leaderboard = serializers.BooleanField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)
    last_activity_at = serializers.DateTimeField(read_only=True, allow_null=True)
    messages = serializers.SerializerMethodField(help_text="Messages written, hidden ones included.")
    hidden_messages = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField(help_text="Reviews given.")
    open_flags = serializers.SerializerMethodField(help_text="Open reports (red flags included) on their messages.")

    def get_email(self, user) -> str | None:
        return user.email if self.context["show_email"] else None

    def get_messages(self, user) -> int:
        return self.context["activity"].messages

    def get_hidden_messages(self, user) -> int:
        return self.context["activity"].hidden_messages

    def get_reviews(self, user) -> int:
        return self.context["activity"].reviews

    def get_open_flags(self, user) -> int:
        return self.context["activity"].open_flags


class PurgePlanSerializer(serializers.Serializer):
    authored_ids = serializers.ListField(
        child=serializers.UUIDField(), read_only=True, help_text="The user's own live messages."
    )
    message_ids = serializers.ListField(
        child=serializers.UUIDField(), read_only=True, help_text="Every message hidden: theirs and the replies under."
    )
    tree_ids = serializers.ListField(child=serializers.UUIDField(), read_only=True, help_text="The trees re-checked.")


class LeaderboardVisibilitySerializer(serializers.Serializer):
    visible = serializers.BooleanField(help_text="Whether the user is listed on the leaderboard.")
    reason = ReasonField(required=False, default="", allow_blank=True, help_text=REASON_HELP)


# --- The flag queue ---------------------------------------------------------------------------


class FlagQueueQuerySerializer(serializers.Serializer):
    """The flag queue's filters, as on the page; every one is optional."""

    language = serializers.CharField(required=False, allow_blank=True, max_length=32, help_text="Language code.")
    kind = serializers.ChoiceField(
        required=False,
        allow_blank=True,
        choices=flag_queue.KINDS,
        help_text="Red flags, reports, or toxicity flags (a classifier's score above the threshold); all if empty.",
    )
    state = serializers.ChoiceField(
        required=False, allow_blank=True, choices=flag_queue.STATES, help_text="Default open."
    )
    sort = serializers.ChoiceField(
        required=False, allow_blank=True, choices=flag_queue.SORTS, help_text="Default newest (newest report first)."
    )
    page = serializers.IntegerField(required=False, min_value=1, max_value=flag_queue.MAX_PAGE, help_text="Default 1.")

    def selector_filters(self) -> dict:
        return flag_queue.queue_filters(self.validated_data)


class QueueMessageSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    tree_id = serializers.UUIDField(read_only=True)
    text = serializers.CharField(read_only=True)
    role = serializers.CharField(read_only=True)
    lang = serializers.CharField(read_only=True)
    deleted = serializers.BooleanField(read_only=True, help_text="True for a hidden message.")


class QueueUserSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)


class QueueReportSerializer(serializers.Serializer):
    report_type = serializers.CharField(
        read_only=True,
        help_text="`red_flag` for a red flag; `toxicity` for a classifier's flag (the model in `reason`, its scores "
        "in `labels`, no reporter).",
    )
    reason = serializers.CharField(read_only=True)
    labels = serializers.JSONField(read_only=True)
    reporter_id = serializers.UUIDField(source="user_id", read_only=True, allow_null=True)
    resolved = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    def get_resolved(self, report) -> bool:
        return report.resolved_at is not None


class FlagQueueItemSerializer(serializers.Serializer):
    message = QueueMessageSerializer(read_only=True)
    author = QueueUserSerializer(source="message.author", read_only=True, allow_null=True)
    state = serializers.ChoiceField(choices=flag_queue.STATES, read_only=True)
    report_count = serializers.IntegerField(read_only=True, help_text="Reports, red flags included.")
    red_flag_count = serializers.IntegerField(read_only=True)
    open_count = serializers.IntegerField(read_only=True, help_text="Reports not resolved yet.")
    newest_report_at = serializers.DateTimeField(read_only=True)
    reports = QueueReportSerializer(many=True, read_only=True, help_text="Newest first.")


class FlagQueuePageSerializer(serializers.Serializer):
    items = FlagQueueItemSerializer(many=True, read_only=True)
    page = serializers.IntegerField(source="number", read_only=True)
    has_next = serializers.BooleanField(read_only=True)
    has_previous = serializers.BooleanField(read_only=True)
