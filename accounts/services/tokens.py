"""API tokens, personal and of API clients: random, shown once, stored as their SHA-256 only.

A token is looked up by its hash (a unique index), so no stored secret is ever compared character by character.
"""

import hashlib
import secrets

from django.db import transaction

from accounts.models import ApiClient, PersonalToken, User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def issue_personal_token(*, user: User) -> str:
    """A new personal token for the user, returned this once; the old one stops working."""
    token = new_token()
    PersonalToken.objects.update_or_create(user=user, defaults={"token_hash": hash_token(token)})
    return token


def revoke_personal_token(*, user: User) -> None:
    PersonalToken.objects.filter(user=user).delete()


@transaction.atomic
def rotate_api_client_token(*, client: ApiClient) -> str:
    """A new token for the client (saved with it, if the client is new), returned this once; the old one stops
    working."""
    token = new_token()
    client.token_hash = hash_token(token)
    client.save()
    return token
