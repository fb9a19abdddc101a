"""The REST API's permissions that ask the accounts policies."""

from django.utils.translation import gettext_lazy as _

from accounts.policies import can_use_api
from core.api.permissions import PolicyPermission


class CanUseApi(PolicyPermission):
    """Every API endpoint's default permission (REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES)."""

    policy = can_use_api
    message = _("This account has been disabled.")
    code = "user_disabled"
