"""The moderation API's permissions, asking the moderation policies."""

from django.utils.translation import gettext_lazy as _

from core.api.permissions import PolicyPermission
from moderation.policies import can_moderate


class CanModerate(PolicyPermission):
    policy = can_moderate
    message = _("Only moderators may do this.")
    code = "not_moderator"
