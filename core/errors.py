"""The base errors of every app: a stable code, an HTTP status and a message a person can read.

Services raise them; the API's exception handler turns them into ``{"error_code": ..., "message": ...}``
and the pages into form errors. Each app subclasses these with codes of its own (``annotation.errors``);
raise a subclass rather than a bare DomainError.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    http_status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message: str | None = None, **details: object) -> None:
        self.message = str(message or self.default_message)
        self.details = details
        super().__init__(self.message)


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403
    default_message = _("You may not do this.")


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 400
    default_message = _("The input is not valid.")


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = _("This conflicts with the current state.")


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429
    default_message = _("Too many requests; please wait a little.")


class UserDisabled(PermissionDenied):
    code = "user_disabled"
    default_message = _("Your account is disabled.")


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    http_status = 503
    default_message = _("The service is unavailable for a moment; please try again shortly.")
    # Seconds after which a client may try again (the Retry-After header).
    retry_after = 10


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not answer (restarting, failing over): the request changed nothing and may be retried."""

    code = "database_unavailable"
    default_message = _("The database is unavailable for a moment; nothing was saved. Please try again shortly.")
