"""Request and response bodies of the moderation API (documented in the OpenAPI schema)."""

from rest_framework import serializers

from accounts.models import TimeFrame
from moderation.selectors.trollboard import FLAG_LABEL_NAMES


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
