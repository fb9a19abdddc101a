"""The flag queue through the API (/api/v1/moderation/queue/): the page's filters, one item, who may read it, and
a fixed number of queries per page."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from annotation.models import Message, Report
from moderation.models import ModerationAction
from tests.factories import ModerationActionFactory, UserFactory, api_client_for, make_prompt, make_reply

pytestmark = pytest.mark.django_db

URL = "/api/v1/moderation/queue/"


@pytest.fixture
def api(moderator) -> APIClient:
    return api_client_for(moderator)


def _report(message: Message, *, red: bool = True, resolved: bool = False, **fields) -> Report:
    return Report.objects.create(
        message=message,
        user=fields.pop("user", None) or UserFactory(),
        report_type="red_flag" if red else "spam",
        resolved_at=timezone.now() if resolved else None,
        **fields,
    )


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["message"]["id"] for item in response.json()["items"]]


def test_the_queue_lists_open_items_newest_first_with_their_message_author_and_reports(api):
    author = UserFactory(username="writer")
    older = make_reply(make_prompt(), author=author, text="An older flagged reply")
    newer = make_prompt(lang="de", text="A newer flagged prompt")
    reporter = UserFactory()
    _report(older, user=reporter, reason="rude", labels={"toxicity": 1.0})
    _report(older, red=False)
    Report.objects.filter(message=older).update(created_at=timezone.now() - timedelta(hours=1))
    _report(newer)
    make_prompt(text="Nobody flagged this")

    response = api.get(URL)
    assert _ids(response) == [str(newer.pk), str(older.pk)]
    body = response.json()
    assert (body["page"], body["has_next"], body["has_previous"]) == (1, False, False)
    item = body["items"][1]
    assert item["message"] == {
        "id": str(older.pk),
        "tree_id": str(older.tree_id),
        "text": "An older flagged reply",
        "role": older.role,
        "lang": "en",
        "deleted": False,
    }
    assert item["author"] == {"id": str(author.pk), "username": "writer"}
    assert (item["state"], item["report_count"], item["red_flag_count"], item["open_count"]) == ("open", 2, 1, 2)
    assert item["newest_report_at"] is not None
    red = next(report for report in item["reports"] if report["report_type"] == "red_flag")
    assert red["reason"] == "rude" and red["labels"] == {"toxicity": 1.0}
    assert red["reporter_id"] == str(reporter.pk) and red["resolved"] is False and red["created_at"]


def test_the_filters_are_the_pages(api):
    red = make_prompt(text="Red flagged")
    _report(red)
    reported = make_prompt(lang="de", text="Reported")
    _report(reported, red=False)
    _report(reported, red=False)
    Report.objects.filter(message=reported).update(created_at=timezone.now() - timedelta(hours=1))
    dismissed = make_prompt(text="Dismissed")
    _report(dismissed, resolved=True)
    acted_on = make_prompt(text="Acted on")
    _report(acted_on, resolved=True)
    ModerationActionFactory(kind=ModerationAction.Kind.EDIT_MESSAGE, message=acted_on)

    assert _ids(api.get(URL, {"kind": "red_flag"})) == [str(red.pk)]
    assert _ids(api.get(URL, {"kind": "report"})) == [str(reported.pk)]
    assert _ids(api.get(URL, {"language": "de"})) == [str(reported.pk)]
    assert _ids(api.get(URL, {"sort": "most_flagged"})) == [str(reported.pk), str(red.pk)]
    assert _ids(api.get(URL, {"state": "dismissed"})) == [str(dismissed.pk)]
    assert _ids(api.get(URL, {"state": "acted_on"})) == [str(acted_on.pk)]
    # Empty values are the defaults, as in the page's form.
    assert _ids(api.get(URL, {"kind": "", "state": "", "sort": "", "language": ""})) == [str(red.pk), str(reported.pk)]
    assert _ids(api.get(URL, {"page": 2})) == []


@pytest.mark.parametrize("query", [{"kind": "emoji"}, {"state": "closed"}, {"sort": "oldest"}, {"page": 0}])
def test_an_unknown_filter_value_is_invalid_input(api, query):
    response = api.get(URL, query)
    assert response.status_code == 400 and response.json()["error_code"] == "invalid_input"
    assert set(response.json()["details"]) == set(query)


def test_one_item_whatever_its_state(api):
    message = make_reply(make_prompt(), deleted=True)
    _report(message, resolved=True)
    response = api.get(f"{URL}{message.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["message"]["id"] == str(message.pk) and body["message"]["deleted"] is True
    assert (body["state"], body["report_count"], body["open_count"]) == ("acted_on", 1, 0)


@pytest.mark.parametrize("known", [True, False])
def test_an_item_nobody_flagged_is_404(api, known):
    message_id = make_prompt().pk if known else uuid.uuid4()
    response = api.get(f"{URL}{message_id}/")
    assert response.status_code == 404 and response.json()["error_code"] == "not_found"


@pytest.mark.parametrize(
    ("role", "enabled", "status"),
    [(Role.VOLUNTEER, True, 403), (Role.MODERATOR, False, 403), (Role.MODERATOR, True, 200), (Role.ADMIN, True, 200)],
)
def test_only_moderators_and_admins_read_the_queue(role, enabled, status):
    message = make_prompt()
    _report(message)
    client = api_client_for(UserFactory(role=role, enabled=enabled))
    assert client.get(URL).status_code == status
    assert client.get(f"{URL}{message.pk}/").status_code == status
    assert APIClient().get(URL).status_code == 401


@pytest.mark.parametrize("count", [3, 10])
def test_a_page_makes_the_same_queries_however_many_items(api, django_assert_num_queries, count):
    for _ in range(count):
        message = make_reply(make_prompt())
        _report(message)
        _report(message, red=False)
    # The token with its user, the grouped reports, the messages, their reports, their threads.
    with django_assert_num_queries(5):
        response = api.get(URL)
    assert len(_ids(response)) == count


@pytest.mark.parametrize("page", ["10001", "99999999999999", "100000000000000000000"])
def test_a_page_number_past_the_last_possible_page_is_refused_on_both_surfaces(api, client, moderator, page):
    assert api.get(f"{URL}?page={page}").json()["error_code"] == "invalid_input"
    client.force_login(moderator)
    response = client.get(f"/moderation/queue/?page={page}")
    assert response.status_code == 200 and "less than or equal to" in response.content.decode()
