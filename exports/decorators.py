"""Access to the datasets pages."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.decorators import volunteer_required
from exports.policies import can_export


def exporter_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Visitors go to the login page; logged-in users who may not export get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_export(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return volunteer_required(wrapped)
