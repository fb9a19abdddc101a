"""The site's error views (oasst/urls.py's handler400 .. handler500 and CSRF_FAILURE_VIEW).

Under /api/ each answers JSON in the API's error contract, whatever went wrong before a REST framework view could;
elsewhere Django's own page. A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 for both, not Django's 400.
"""

import re
import sys

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.views import csrf, defaults
from rest_framework import status

from core.api.errors import DATABASE_DOWN, error_response, is_api_request, too_large_message
from core.errors import DatabaseUnavailable, ServiceUnavailable

_INLINE_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request)
    if is_api_request(request):
        return error_response("bad_request", _("The request is malformed."), status.HTTP_400_BAD_REQUEST)
    return defaults.bad_request(request, exception)


def request_too_large(request: HttpRequest) -> HttpResponse:
    code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    if is_api_request(request):
        return error_response("request_too_large", too_large_message(), code)
    title = _("Request too large (413)")
    page = defaults.ERROR_PAGE_TEMPLATE % {"title": escape(title), "details": escape(too_large_message())}
    return HttpResponse(page, status=code)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return error_response("permission_denied", _("You may not do this."), status.HTTP_403_FORBIDDEN)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return error_response("not_found", _("No such endpoint."), status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception: one from the database driver is an outage, not a bug.
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return service_unavailable(request, DatabaseUnavailable())
    if is_api_request(request):
        message = _("Something went wrong on our side.")
        return error_response("server_error", message, status.HTTP_500_INTERNAL_SERVER_ERROR)
    return defaults.server_error(request)


def service_unavailable(request: HttpRequest, error: ServiceUnavailable) -> HttpResponse:
    """A 503 that asks to come back in ``error.retry_after`` seconds; the page reads nothing from the database."""
    if is_api_request(request):
        response = error_response(error.code, error.message, error.http_status)
    else:
        title = _("Temporarily unavailable (503)")
        page = defaults.ERROR_PAGE_TEMPLATE % {"title": escape(title), "details": escape(error.message)}
        response = HttpResponse(page, status=error.http_status)
    response["Retry-After"] = str(error.retry_after)
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api_request(request):
        message = _("CSRF check failed: send the CSRF token with a session, or authenticate with a token.")
        return error_response("csrf_failed", message, status.HTTP_403_FORBIDDEN)
    response = csrf.csrf_failure(request, reason)
    # Django's page (and its translations) with its inline <style>, which the Content-Security-Policy refuses, as a
    # stylesheet of ours with the same rules.
    link = format_html('<link rel="stylesheet" href="{}">', static("css/csrf_failure.css"))
    response.content = _INLINE_STYLE.sub(link, response.content.decode(), count=1)
    return response
