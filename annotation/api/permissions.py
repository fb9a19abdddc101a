from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.policies import can_use_api


class IsEnabledUser(BasePermission):
    """Logged in (personal token, API client or session) and not banned."""

    message = _("This account has been disabled.")
    code = "user_disabled"

    def has_permission(self, request, view) -> bool:
        return bool(request.user and can_use_api(request.user))
