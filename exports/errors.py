"""The exports app's errors: subclasses of the core errors, each with a stable code."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, DomainError, NotFound, PermissionDenied


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
