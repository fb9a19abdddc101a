"""The REST API's permissions that ask the exports policies."""

from django.utils.translation import gettext_lazy as _

from core.api.permissions import PolicyPermission
from exports.policies import can_export


class CanExport(PolicyPermission):
    policy = can_export
    message = _("Only researchers, moderators and admins may download datasets.")
    code = "not_researcher"
