"""Every error under /api/ is JSON: ``{"error_code": ..., "message": ..., "details": ..., "request_id": ...}``."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DatabaseUnavailable, DomainError, ServiceUnavailable
from core.request_logging import current_request_id

logger = logging.getLogger("api")

API_PREFIX = "/api/"
# What the database driver raises when the server is away (restarting, failing over, unreachable).
DATABASE_DOWN = (OperationalError, InterfaceError)
# DRF's own codes, renamed where the domain already has a name for the same thing.
RENAMED_CODES = {"throttled": "rate_limited", "invalid": "invalid_input"}


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_body(error_code: str, message: str, details: object = None) -> dict:
    body = {"error_code": error_code, "message": message}
    if details:
        body["details"] = details
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id  # what to quote to the operators, who find the request's log lines by it
    return body


def error_response(error_code: str, message: str, status_code: int) -> JsonResponse:
    """The contract's body outside the REST framework's views (URL resolution, middleware, Django's handlers)."""
    return JsonResponse(error_body(error_code, message), status=status_code)


def too_large_message() -> str:
    return _("The request body is larger than the server accepts.")


def _drf_error(exc: exceptions.APIException) -> tuple[str, str, object]:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid_input", _("The input is not valid."), exc.detail
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return RENAMED_CODES.get(code, code), str(exc.detail), None


def _as_api_exception(exc: Exception) -> Exception:
    """Django's own exceptions as the REST framework's, which carry a status."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(exc.messages)
    if isinstance(exc, RequestDataTooBig):
        error = exceptions.APIException(too_large_message(), code="request_too_large")
        error.status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        return error
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError(_("The request is malformed."), code="bad_request")
    if isinstance(exc, DATABASE_DOWN):
        return DatabaseUnavailable()
    return exc


def exception_handler(exc: Exception, context: dict) -> Response | None:
    request = context.get("request")
    where = f"{request.method} {request.path}" if request is not None else "?"
    exc = _as_api_exception(exc)

    headers = {}
    if isinstance(exc, DomainError):
        status_code, (code, message, details) = exc.http_status, (exc.code, exc.message, exc.details)
        if isinstance(exc, ServiceUnavailable):
            headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, exceptions.APIException):
        status_code, (code, message, details) = exc.status_code, _drf_error(exc)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
    else:
        logger.exception("API request %s failed", where)
        set_rollback()
        return Response(
            error_body("server_error", _("Something went wrong on our side.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    logger.info("API request %s refused: %s %s (%s)", where, status_code, code, message)
    set_rollback()
    return Response(error_body(code, message, details), status=status_code, headers=headers)


@csrf_exempt
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any URL under /api/ that matches no endpoint, whatever the method (so never a CSRF refusal)."""
    logger.info("API request %s %r: no such endpoint", request.method, request.path)
    return error_response("not_found", _("No such endpoint."), status.HTTP_404_NOT_FOUND)
