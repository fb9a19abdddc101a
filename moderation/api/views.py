"""The moderation API (/api/v1/moderation/): parse the request, ask the policy, call a selector or service."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import CanUseApi
from core.api.schema import responses
from core.api.views import ListApiView
from moderation.api import serializers as s
from moderation.api.permissions import CanModerate
from moderation.selectors.audit_log import audit_log

# --- The audit log ----------------------------------------------------------------------------


class AuditLogView(ListApiView):
    permission_classes = [CanUseApi, CanModerate]
    serializer_class = s.ModerationActionSerializer

    @extend_schema(
        summary="The audit log",
        description="Every action of the moderators and of the platform's automatic moderation, newest first. "
        "Moderators and admins only (`not_moderator` otherwise). A filter naming an unknown user, an unknown "
        "action or reversed days answers 400 `invalid_input`.",
        parameters=[s.AuditLogQuerySerializer],
        responses=responses(s.ModerationActionSerializer(many=True)),
        tags=["moderation"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = s.AuditLogQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return audit_log(**query.selector_filters())
