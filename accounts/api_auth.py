"""Authentication of the API: a user's personal token, or an API client's token plus a reference to one of
its users.

Authorization: Token <personal token>

or

Authorization: ApiClient <token>
X-OASST-User: <the client's id for the user>
X-OASST-User-Name: <display name>            (optional)

Header values are read as UTF-8; a control character in them is refused as malformed.
"""

import unicodedata

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, TokenAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.models import ApiClient, PersonalToken, User
from accounts.services.api_clients import get_or_create_client_user
from accounts.services.tokens import hash_token

KEYWORD = "ApiClient"
USER_HEADER = "HTTP_X_OASST_USER"
USER_NAME_HEADER = "HTTP_X_OASST_USER_NAME"
MAX_EXTERNAL_ID_LENGTH = 256


class PersonalTokenAuthentication(TokenAuthentication):
    """DRF's ``Token`` scheme, with the token found by its hash (one query, with its user)."""

    def authenticate_credentials(self, key: str) -> tuple[User, PersonalToken]:
        token = PersonalToken.objects.select_related("user").filter(token_hash=hash_token(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token


class ApiClientAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiClient] | None:
        auth = get_authorization_header(request).split()
        if not auth or auth[0].decode(errors="replace") != KEYWORD:
            return None
        malformed = exceptions.AuthenticationFailed(_("Malformed ApiClient header."), code="malformed_credentials")
        if len(auth) != 2:
            raise malformed
        try:
            token = auth[1].decode()
        except UnicodeDecodeError as exc:
            raise malformed from exc
        client = ApiClient.objects.filter(token_hash=hash_token(token)).first()
        if client is None:
            raise exceptions.AuthenticationFailed(_("Unknown API client token."))
        if not client.enabled:
            raise exceptions.AuthenticationFailed(_("This API client is disabled."), code="client_disabled")
        external_id = _header_text(request, USER_HEADER)
        if not external_id or len(external_id) > MAX_EXTERNAL_ID_LENGTH:
            raise exceptions.AuthenticationFailed(
                _("Send the user's reference (1 to 256 characters) in the X-OASST-User header."),
                code="missing_user_reference",
            )
        display_name = _header_text(request, USER_NAME_HEADER)
        return get_or_create_client_user(client=client, external_id=external_id, display_name=display_name), client

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


def _header_text(request: Request, key: str) -> str:
    """A header's value as text: UTF-8 where its bytes are UTF-8 (the server hands them over as Latin-1), and
    without control characters, which no name or reference has and the database refuses (NUL)."""
    raw = request.META.get(key, "")
    try:
        value = raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        value = raw
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise exceptions.AuthenticationFailed(
            _("The X-OASST-User headers may not hold control characters."), code="malformed_credentials"
        )
    return value.strip()


class ApiClientAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the client token and the user reference (both required)."""

    target_class = ApiClientAuthentication
    name = ["apiClientToken", "apiClientUser"]

    def get_security_definition(self, auto_schema) -> list[dict]:
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "ApiClient <token>",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-OASST-User",
                "description": "The client's own id for the user; X-OASST-User-Name may give a display name.",
            },
        ]
