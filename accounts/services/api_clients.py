"""API clients: bots and other front ends that hand tasks to their own users (SPEC 1)."""

import hashlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.display_names import DISPLAY_NAME_MAX_LENGTH, check_display_name, normalise_name
from accounts.models import ApiClient, User
from accounts.services.tokens import rotate_api_client_token
from core.errors import Conflict, InvalidInput


@transaction.atomic
def create_api_client(*, name: str) -> tuple[ApiClient, str]:
    """Create a client and return it with its token; only the token's hash is stored."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("An API client needs a name."))
    if ApiClient.objects.filter(name=name).exists():
        raise Conflict(_("An API client with this name already exists."))
    client = ApiClient(name=name)
    return client, rotate_api_client_token(client=client)


def get_or_create_client_user(*, client: ApiClient, external_id: str, display_name: str = "") -> User:
    """The client's user known by ``external_id``, created on first sight; a display name that differs from the
    one it has is checked as on the profile page (DisplayNameNotAllowed, DisplayNameTaken)."""
    user = User.objects.filter(api_client=client, external_id=external_id).first()
    display_name = normalise_name(display_name)[:DISPLAY_NAME_MAX_LENGTH]
    if user is not None and (not display_name or display_name == user.display_name):
        return user
    with transaction.atomic():
        display_name = check_display_name(display_name, user=user)
        if user is None:
            user = _create_client_user(client=client, external_id=external_id, display_name=display_name)
        if display_name and user.display_name != display_name:
            user.display_name = display_name
            user.save(update_fields=["display_name"])
    return user


def _create_client_user(*, client: ApiClient, external_id: str, display_name: str) -> User:
    # Stable and unique: the same client user always gets the same username.
    digest = hashlib.sha256(f"{client.pk}:{external_id}".encode()).hexdigest()[:24]
    user = User(username=f"api.{digest}", api_client=client, external_id=external_id, display_name=display_name)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Another request created the same user at the same moment.
        user = User.objects.get(api_client=client, external_id=external_id)
    return user
