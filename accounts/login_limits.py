"""django-axes hooks: whose failures count together, and the page a locked-out login sees."""

import math
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.client_ip import client_ip
from accounts.models import User

LOCKOUT_TEMPLATE = "account/lockout.html"


def login_name(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a login is for, so that its failures count together however it is typed.

    allauth passes what was typed as ``username`` (and as ``email`` when it looks like one); the login form's
    field is ``login``. Case does not matter to allauth, so it does not here; an address that belongs to an
    account counts as that account's user name, which is also what a successful login resets.
    """
    credentials = credentials or {}
    typed = credentials.get("username") or credentials.get("email")
    if not typed and request is not None and hasattr(request, "POST"):
        typed = request.POST.get("login") or request.POST.get("username")
    if not typed:
        return None
    typed = str(typed).strip()
    if "@" not in typed:
        return typed.lower()
    # axes asks several times a request: the address is looked up once.
    known = getattr(request, "_login_names", None)
    if known is None:
        known = {}
        if request is not None:
            request._login_names = known
    if typed not in known:
        username = User.objects.filter(email__iexact=typed).values_list("username", flat=True).first()
        known[typed] = (username or typed).lower()
    return known[typed]


def lockout_ends_at(request: HttpRequest, credentials: dict | None) -> datetime | None:
    cool_off = get_cool_off(request)
    if not cool_off:
        return None
    last = AccessAttempt.objects.filter(
        username=login_name(request, credentials), ip_address=client_ip(request)
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + cool_off


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """429 with a page that says when the next try is possible (AXES_LOCKOUT_CALLABLE)."""
    ends_at = lockout_ends_at(request, credentials)
    minutes = None
    if ends_at is not None:
        minutes = max(1, math.ceil((ends_at - timezone.now()).total_seconds() / 60))
    return render(
        request,
        LOCKOUT_TEMPLATE,
        {"ends_at": ends_at, "minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
