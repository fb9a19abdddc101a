"""Access to the moderation pages."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.decorators import volunteer_required
from moderation.policies import can_moderate


def moderator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Visitors go to the login page (as for every volunteer page); logged-in users who may not moderate get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_moderate(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return volunteer_required(wrapped)
