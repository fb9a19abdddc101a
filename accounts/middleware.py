"""Ends the session of a user who was banned (or deleted their account) while logged in."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.policies import can_log_in


class DisabledUserLogoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not can_log_in(user):
            logout(request)
            messages.error(request, _("This account has been disabled."))
        return self.get_response(request)
