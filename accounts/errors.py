"""The accounts app's errors: subclasses of the core errors, each with a stable code."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, PermissionDenied


class CannotGrantRoles(PermissionDenied):
    code = "cannot_grant_roles"
    default_message = _("Only moderators and admins may give the researcher role.")


class RoleAlreadyHeld(Conflict):
    code = "role_already_held"
    default_message = _("This user may already download datasets.")
