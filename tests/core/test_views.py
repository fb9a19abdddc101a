"""The site's error views: the API's JSON error contract under /api/, Django's pages elsewhere."""

import json

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, RequestFactory

from core import views
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def assert_json_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["error_code"] == code and body["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nowhere/",
        "/api/v1/no%0Awhere/",
        "/api/v1/tasks/%0A/",
        "/api/v1/health/%0A",
        "/api/v1/tasks",
        "/api/v2/tasks/",
        "/api/",
        "/api/%0D%0A%00/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "patch", "put", "delete"])
def test_every_unknown_path_under_api_is_a_json_404(path, method, django_assert_num_queries):
    client = Client(enforce_csrf_checks=True)
    body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
    with django_assert_num_queries(0):
        response = getattr(client, method)(path, **body)
    assert_json_error(response, 404, "not_found")


def test_a_browser_gets_json_from_the_api_too():
    accept = "text/html,application/xhtml+xml,*/*;q=0.8"
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    assert client.get("/api/v1/tasks/", HTTP_ACCEPT=accept).json() == []
    assert_json_error(client.get("/api/v1/tasks/not-a-uuid/", HTTP_ACCEPT=accept), 404, "not_found")
    response = client.post("/api/v1/tasks/", "{}", content_type="application/json", HTTP_ACCEPT=accept)
    assert_json_error(response, 403, "permission_denied")
    assert "CSRF" in response.json()["message"]
    # Only HTML acceptable: the API has none, and says so in JSON.
    assert_json_error(client.get("/api/v1/tasks/", HTTP_ACCEPT="text/html"), 406, "not_acceptable")


def test_unknown_pages_stay_html_404s():
    response = Client().get("/nowhere%0A/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.core.urls_failing")
def test_a_server_error_under_api_is_json_and_a_page_elsewhere():
    client = Client(raise_request_exception=False)
    assert_json_error(client.get("/api/v1/failing/"), 500, "server_error")
    response = client.get("/failing/")
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.core.urls_failing")
def test_the_database_away_is_a_503_to_retry_json_under_api_and_a_page_elsewhere():
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/database-down/")
    assert_json_error(response, 503, "database_unavailable")
    assert response["Retry-After"] == "10"
    response = client.get("/database-down/")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    page = response.content.decode()
    assert "nothing was saved. Please try again shortly." in page and "shutting down" not in page


def test_a_csrf_failure_under_api_is_json_and_a_page_elsewhere():
    factory = RequestFactory()
    assert_json_error(views.csrf_failure(factory.post("/api/v1/tasks/"), "no token"), 403, "csrf_failed")
    page = views.csrf_failure(factory.post("/tasks/new/"), "no token")
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")


def test_a_page_post_without_csrf_token_gets_django_csrf_page():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post("/tasks/new/", {"type": "initial_prompt"})
    assert response.status_code == 403 and b"CSRF" in response.content


@pytest.mark.parametrize("csrf_checks", [False, True])
def test_a_page_body_over_the_size_limit_is_a_plain_413(settings, csrf_checks):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client = Client(enforce_csrf_checks=csrf_checks, raise_request_exception=False)
    client.force_login(UserFactory())
    # With a CSRF cookie, the CSRF check reads the form for its token: the body is too large already there.
    client.cookies["csrftoken"] = _get_new_csrf_string()
    response = client.post("/tasks/new/", "type=initial_prompt&text=" + "x" * 2_000, content_type=FORM)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html") and b"413" in response.content


FORM = "application/x-www-form-urlencoded"


def test_other_error_views_answer_json_under_api_and_pages_elsewhere():
    factory = RequestFactory()
    api, page = factory.get("/api/v1/tasks/"), factory.get("/tasks/new/")
    assert_json_error(views.bad_request(api, ValueError()), 400, "bad_request")
    assert_json_error(views.permission_denied(api, PermissionError()), 403, "permission_denied")
    assert_json_error(views.page_not_found(api, LookupError()), 404, "not_found")
    assert_json_error(views.server_error(api), 500, "server_error")
    for response, status in [
        (views.bad_request(page, ValueError()), 400),
        (views.permission_denied(page, PermissionError()), 403),
        (views.page_not_found(page, LookupError()), 404),
        (views.server_error(page), 500),
    ]:
        assert response.status_code == status and response["Content-Type"].startswith("text/html")
