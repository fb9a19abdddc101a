"""The toxicity app's errors: the classifier could not be loaded, or failed on a batch."""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, InvalidInput


class ClassifierUnavailable(DomainError):
    code = "classifier_unavailable"
    http_status = 503
    default_message = _("The toxicity classifier could not be loaded.")


class ClassifierFailed(DomainError):
    code = "classifier_failed"
    http_status = 503
    default_message = _("The toxicity classifier failed.")


class LanguageNotCovered(InvalidInput):
    code = "language_not_covered"
    default_message = _("The toxicity classifier does not cover this language.")
