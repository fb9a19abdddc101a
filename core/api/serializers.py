"""Bodies that every app's API shares."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    error_code = serializers.CharField(help_text="Stable and machine-readable, e.g. invalid_input, task_expired.")
    message = serializers.CharField(help_text="For people, in the request's language.")
    details = serializers.JSONField(required=False, help_text="Which fields or values the error is about.")
    request_id = serializers.CharField(
        required=False, help_text="The request's id (also in the X-Request-ID header), to quote to the operators."
    )
