"""Template context of every page: the colour scheme and whether the header links to the Django admin."""

from django.http import HttpRequest

from accounts.models import Theme
from accounts.policies import can_open_django_admin

THEME_COOKIE = "theme"


def current_theme(request: HttpRequest) -> str:
    """The user's choice, or the visitor's cookie; "" follows the browser's prefers-color-scheme."""
    user = getattr(request, "user", None)
    theme = user.theme if user is not None and user.is_authenticated else request.COOKIES.get(THEME_COOKIE, "")
    return theme if theme in Theme.values else ""


def look_and_feel(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "theme": current_theme(request),
        "theme_choices": Theme.choices,
        "can_open_django_admin": user is not None and can_open_django_admin(user),
    }
