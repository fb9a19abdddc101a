"""The moderation API (/api/v1/moderation/): moderators and admins only."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import CanUseApi
from core.api.schema import responses
from core.api.views import ApiView, ListApiView, validated
from moderation.api import serializers as s
from moderation.api.permissions import CanModerate
from moderation.selectors.audit_log import audit_log
from moderation.selectors.trollboard import trollboard


class ModerationApiView(ApiView):
    permission_classes = [CanUseApi, CanModerate]


class TrollboardView(ModerationApiView):
    @extend_schema(
        summary="Trollboard",
        description="The users whose messages drew the most trouble in a time frame (at most 100, no placeholder "
        "users, only positive scores): 3 * red flags received - upvotes received + downvotes received + rejected "
        "prompts + the flag label values of the reviews received. Reactions and reviews count by when they were "
        "given, rejected prompts by when they were written. Moderators and admins only (else 403 not_moderator).",
        parameters=[s.TrollboardQuerySerializer],
        responses=responses(s.TrollboardSerializer),
        tags=["moderation"],
    )
    def get(self, request: Request) -> Response:
        frame = validated(s.TrollboardQuerySerializer, request.query_params)["frame"]
        return Response(s.TrollboardSerializer({"time_frame": frame, "rows": trollboard(time_frame=frame)}).data)


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
