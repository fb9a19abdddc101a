"""Access rules for volunteer pages."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts.policies import can_log_in


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect, or for an htmx request make the browser load the page instead of swapping it in."""
    target = f"{url}?{urlencode({'next': request.get_full_path()})}"
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(target)
    return redirect(target)


def volunteer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required, account enabled, terms of service accepted.

    Anonymous and disabled users go to the login page; users who have not yet accepted the terms
    go to the terms page. Both come back to the page they asked for afterwards.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        # Disabled accounts are logged out by DisabledUserLogoutMiddleware; this is the second lock.
        if not can_log_in(user):
            return _redirect(request, resolve_url(settings.LOGIN_URL))
        if user.tos_accepted_at is None:
            return _redirect(request, reverse("terms"))
        return view(request, *args, **kwargs)

    return wrapped
