"""Endpoints served only by bench/request_cost.py's server: the least an authenticated API request can do.

They go through the same middleware and REST framework machinery as the API's views; the project's URLs
follow them (the bench's floor is GET /api/v1/health/).
"""

from django.core import signing
from django.db import connection
from django.urls import path
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from annotation.api.permissions import IsEnabledUser
from oasst.urls import urlpatterns as project_urlpatterns

WRITE = "UPDATE accounts_user SET last_login = now() WHERE id = %s"


class SignedTokenAuthentication(BaseAuthentication):
    """A token that carries the user's id under the server's signature (``signing.Signer``, its default salt):
    no query at all. Whether the user is still enabled is left to the request's own statement."""

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0] != b"Token":
            return None
        try:
            user_id = signing.Signer().unsign_object(parts[1].decode())
        except signing.BadSignature:
            raise exceptions.AuthenticationFailed() from None
        return User(pk=user_id, enabled=True), None

    def authenticate_header(self, request: Request) -> str:
        return "Token"


class TokenNoop(APIView):
    """The API's authentication (a personal token: one query) and permission check, then nothing."""

    permission_classes = [IsEnabledUser]

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


class TokenWrite(TokenNoop):
    """The API's authentication, then the cheapest write: one row by primary key, in one statement."""

    def post(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute(f"{WRITE} RETURNING id", [request.user.pk])
            (user_id,) = cursor.fetchone()
        return Response({"user": user_id})


class SignedTokenNoop(TokenNoop):
    authentication_classes = [SignedTokenAuthentication]


class SignedTokenWrite(TokenNoop):
    """A signed token, then the same write, whose statement also checks that the user is enabled."""

    authentication_classes = [SignedTokenAuthentication]

    def post(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute(f"{WRITE} AND enabled RETURNING id", [request.user.pk])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.PermissionDenied()
        return Response({"user": row[0]})


urlpatterns = [
    path("probe/token-noop/", TokenNoop.as_view()),
    path("probe/token-write/", TokenWrite.as_view()),
    path("probe/signed-noop/", SignedTokenNoop.as_view()),
    path("probe/signed-write/", SignedTokenWrite.as_view()),
    *project_urlpatterns,
]
