"""The client's address, as the login lock-out (django-axes' AXES_CLIENT_IP_CALLABLE) and the sign-up limits
see it: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies the X-Forwarded-For entry the outermost of
them appended. Each proxy appends the address it was called from, so that entry is the N-th from the right;
whatever the client put in front of it is not read."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def address_of(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        # Not through the proxies as configured: the address that called us is all that is known.
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def client_ip(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or address_of(request)
