import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from accounts.decorators import volunteer_required
from tests.factories import UserFactory


@volunteer_required
def view(request):
    return HttpResponse("ok")


def _request(user, *, htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    request = RequestFactory().get("/tasks/new/?lang=en", **headers)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    request.htmx = HtmxDetails(request)
    return request


@pytest.mark.django_db
def test_volunteer_passes():
    assert view(_request(UserFactory())).content == b"ok"


def test_anonymous_goes_to_log_in():
    response = view(_request(AnonymousUser()))
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Ftasks%2Fnew%2F%3Flang%3Den"


@pytest.mark.django_db
def test_disabled_user_goes_to_log_in():
    response = view(_request(UserFactory(enabled=False)))
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
def test_terms_come_first():
    response = view(_request(UserFactory(tos_accepted_at=None)))
    assert response.url == "/terms/?next=%2Ftasks%2Fnew%2F%3Flang%3Den"


@pytest.mark.django_db
def test_htmx_requests_get_a_full_page_redirect():
    response = view(_request(UserFactory(tos_accepted_at=None), htmx=True))
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/terms/?next=%2Ftasks%2Fnew%2F%3Flang%3Den"
