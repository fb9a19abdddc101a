"""The exports app's errors: subclasses of the core errors, each with a stable code."""

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, DomainError, NotFound, PermissionDenied, RateLimited


class NotResearcher(PermissionDenied):
    code = "not_researcher"
    default_message = _("Only researchers, moderators and admins may download datasets.")


class ExportNotFound(NotFound):
    code = "export_not_found"
    default_message = _("No such export.")


class ExportNotReady(Conflict):
    code = "export_not_ready"
    default_message = _("This export has no file yet.")


class ExportExpired(DomainError):
    code = "export_expired"
    http_status = 410
    default_message = _("This export's file has expired and was deleted; request it again.")


class TooManyExports(RateLimited):
    code = "too_many_exports"
    default_message = _("You have too many exports waiting or running; wait until one is done.")


class StorageUnavailable(Exception):
    """The file storage did not answer (a network error, a timeout, a 5xx): the job is tried again later."""


# What an export job retries with a back-off, rather than failing: the database or the storage being away.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    StorageUnavailable,
    ConnectionError,
    TimeoutError,
)


class ReleaseNotFound(NotFound):
    code = "release_not_found"
    default_message = _("No such release.")


class ReleaseNotReady(Conflict):
    code = "release_not_ready"
    default_message = _("This release is not ready: only a finished release can be published.")


class CannotPublishRelease(PermissionDenied):
    code = "cannot_publish_release"
    default_message = _("Only admins may publish a release.")


class HubNotConfigured(DomainError):
    code = "hub_not_configured"
    http_status = 503
    default_message = _("Publishing is not set up: HF_TOKEN and HF_DATASET_REPO_ID must be set.")


class HubPublishFailed(DomainError):
    code = "hub_publish_failed"
    http_status = 502
    default_message = _("The Hugging Face Hub refused the release or could not be reached.")


class CannotRequestRelease(PermissionDenied):
    code = "cannot_request_release"
    default_message = _("Only admins may build a release.")
