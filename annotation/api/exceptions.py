"""Every error under /api/v1/ is JSON: ``{"error_code": ..., "message": ..., "details": ...}``."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError

logger = logging.getLogger("annotation.api")

# DRF's own codes, renamed where the domain already has a name for the same thing.
RENAMED_CODES = {"throttled": "rate_limited", "invalid": "invalid_input"}


def error_body(error_code: str, message: str, details: object = None) -> dict:
    body = {"error_code": error_code, "message": message}
    if details:
        body["details"] = details
    return body


def _drf_error(exc: exceptions.APIException) -> tuple[str, str, object]:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid_input", _("The input is not valid."), exc.detail
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return RENAMED_CODES.get(code, code), str(exc.detail), None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    request = context.get("request")
    where = f"{request.method} {request.path}" if request is not None else "?"
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)

    headers = {}
    if isinstance(exc, DomainError):
        status_code, (code, message, details) = exc.http_status, (exc.code, exc.message, exc.details)
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


def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any URL under /api/v1/ that matches no endpoint."""
    logger.info("API request %s %s: no such endpoint", request.method, request.path)
    return JsonResponse(error_body("not_found", _("No such endpoint.")), status=status.HTTP_404_NOT_FOUND)
