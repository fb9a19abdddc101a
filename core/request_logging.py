"""Structured logs (structlog through django-structlog): every line of a request carries its ``request_id``, the
user's id and the client's address; the jobs a request enqueues carry its ``request_id`` too.

Configured in the settings (``LOGGING``): the standard library's records go through structlog's
``ProcessorFormatter``, so ``logging.getLogger(__name__)`` keeps working and its lines are structured as well.
"""

import re

import structlog
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django_structlog.middlewares import RequestMiddleware

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept when it is short and plain (a proxy's UUID or hex id), else a new one is made.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def current_request_id() -> str | None:
    return structlog.contextvars.get_contextvars().get("request_id")


class RequestIdMiddleware(RequestMiddleware):
    """django-structlog's middleware that also answers the request's id in ``X-Request-ID``."""

    def prepare(self, request: HttpRequest) -> None:
        structlog.contextvars.clear_contextvars()
        given = request.META.get("HTTP_X_REQUEST_ID")
        if given is not None and not VALID_REQUEST_ID.fullmatch(given):
            del request.META["HTTP_X_REQUEST_ID"]
            request.__dict__.pop("headers", None)  # HttpRequest.headers is cached from META
        super().prepare(request)
        request.request_id = current_request_id()

    def handle_response(self, request: HttpRequest, response: HttpResponse) -> None:
        request_id = getattr(request, "request_id", None)
        if request_id:
            response[REQUEST_ID_HEADER] = request_id
        bound = structlog.contextvars.get_contextvars()
        super().handle_response(request, response)
        # Django logs a 4xx or 5xx answer (logger "django.request") after every middleware: the request's context
        # is kept until the response is closed (request_finished).
        structlog.contextvars.bind_contextvars(**bound)


def clear_request_context(**kwargs: object) -> None:
    structlog.contextvars.clear_contextvars()


request_finished.connect(clear_request_context, dispatch_uid="core.request_logging.clear_request_context")
