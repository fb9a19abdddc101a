"""Permissions that ask the policy functions (``can_<verb>(actor)`` / ``can_<verb>(actor, obj)``) of an app."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

if TYPE_CHECKING:
    # Not at run time: rest_framework.views imports the default permission classes, hence this module.
    from rest_framework.views import APIView


class PolicyPermission(BasePermission):
    """A subclass names its policies; a view with this permission answers 403 with ``code`` when one says no.

    ``policy(actor)`` decides for the whole view, before anything is read; ``object_policy(actor, obj)`` decides
    for the object a view checks with ``self.check_object_permissions(request, obj)``. A plain function works as
    either: the subclass need not wrap it in ``staticmethod``.
    """

    policy: ClassVar[Callable[[Any], bool] | None] = None
    object_policy: ClassVar[Callable[[Any, Any], bool] | None] = None
    message = _("You may not do this.")
    code = "permission_denied"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("policy", "object_policy"):
            function = cls.__dict__.get(name)
            if function is not None and not isinstance(function, staticmethod):
                setattr(cls, name, staticmethod(function))

    def has_permission(self, request: Request, view: "APIView") -> bool:
        return self.policy is None or self.policy(request.user)

    def has_object_permission(self, request: Request, view: "APIView", obj: object) -> bool:
        return self.object_policy is None or self.object_policy(request.user, obj)
