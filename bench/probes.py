"""Endpoints served only by bench/request_cost.py's server: the least an authenticated API request can do.

They go through the same middleware and REST framework machinery as the API's views; the project's URLs
follow them (the bench's floor is GET /api/v1/health/).
"""

from django.db import connection
from django.urls import path
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from annotation.api.permissions import IsEnabledUser
from oasst.urls import urlpatterns as project_urlpatterns


class RawTokenAuthentication(BaseAuthentication):
    """A personal token checked with one hand-written query: no query building, unlike the framework's."""

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0] != b"Token":
            return None
        query = "SELECT u.* FROM accounts_user u JOIN authtoken_token t ON t.user_id = u.id WHERE t.key = %s"
        users = list(User.objects.raw(query, [parts[1].decode()]))
        return (users[0], None) if users else None


class TokenNoop(APIView):
    """The API's authentication and permission check, then nothing."""

    permission_classes = [IsEnabledUser]

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


class TokenWrite(TokenNoop):
    """The API's authentication, then the cheapest write: one row by primary key, in one statement."""

    def post(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_user SET last_login = now() WHERE id = %s RETURNING id", [request.user.pk])
            (user_id,) = cursor.fetchone()
        return Response({"user": user_id})


class RawTokenNoop(TokenNoop):
    authentication_classes = [RawTokenAuthentication]


class RawTokenWrite(TokenWrite):
    authentication_classes = [RawTokenAuthentication]


urlpatterns = [
    path("probe/token-noop/", TokenNoop.as_view()),
    path("probe/token-write/", TokenWrite.as_view()),
    path("probe/raw-token-noop/", RawTokenNoop.as_view()),
    path("probe/raw-token-write/", RawTokenWrite.as_view()),
    *project_urlpatterns,
]
