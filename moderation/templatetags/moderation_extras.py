"""Template helpers of the moderation pages and of the header's moderation links."""

from django import template
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from moderation import policies

register = template.Library()


@register.filter
def can_moderate(user: User | AnonymousUser) -> bool:
    """``{% if user|can_moderate %}``: reads only the user already loaded for the request."""
    return policies.can_moderate(user)
