"""The client's address, as the login lock-out and the sign-up limits see it.

One reading for both: django-axes' (REMOTE_ADDR, or the X-Forwarded-For entry of the outermost trusted proxy
when TRUSTED_PROXY_COUNT is set; see the settings).
"""

from axes.helpers import get_client_ip_address
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request) or None
