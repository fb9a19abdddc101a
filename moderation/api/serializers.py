"""Bodies and query parameters of the moderation API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from moderation.models import ModerationAction
from moderation.selectors.audit_log import find_user

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
