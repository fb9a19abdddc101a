"""The project's URLs and error handlers, plus views that fail, under /api/ and among the pages."""

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from oasst import urls


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def database_down(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server failed: the database system is shutting down")


urlpatterns = [
    path("api/v1/failing/", fail),
    path("failing/", fail),
    path("api/v1/database-down/", database_down),
    path("database-down/", database_down),
    *urls.urlpatterns,
]
handler400, handler403, handler404, handler500 = urls.handler400, urls.handler403, urls.handler404, urls.handler500
