"""The accounts app's errors: subclasses of the core errors, each with a stable code."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, InvalidInput, PermissionDenied, RateLimited


class CannotGrantRoles(PermissionDenied):
    code = "cannot_grant_roles"
    default_message = _("Only moderators and admins may give the researcher role.")


class RoleAlreadyHeld(Conflict):
    code = "role_already_held"
    default_message = _("This user may already download datasets.")


class DisplayNameTaken(Conflict):
    code = "display_name_taken"
    default_message = _("This name is too close to another user's name; please choose another one.")


class DisplayNameTooLong(InvalidInput):
    code = "display_name_too_long"
    default_message = _("This name is too long once written in plain letters; please choose a shorter one.")


class DisplayNameNotAllowed(InvalidInput):
    code = "display_name_not_allowed"
    default_message = _(
        "This name mixes alphabets within a word, which can imitate another name; please write each word "
        "in one alphabet."
    )


class SignupLimitReached(RateLimited):
    code = "signup_limit_reached"
    default_message = _("Too many accounts were created from your address in the last hour; please try again later.")
