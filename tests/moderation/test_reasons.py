"""The reason of a moderator's action follows one rule on every surface: at most 2000 characters, else nothing
is done and nothing recorded."""

import pytest
from django.utils.html import escape

from annotation.models import Report
from moderation.models import ModerationAction
from tests.factories import UserFactory, api_client_for, make_prompt, make_reply

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TOO_LONG = "r" * 2001


def test_a_reason_too_long_is_refused_in_the_queue_on_the_user_page_and_in_the_api(client, moderator):
    reply = make_reply(make_prompt())
    Report.objects.create(message=reply, user=UserFactory(), report_type="spam")
    target = UserFactory()
    api = api_client_for(moderator)
    client.force_login(moderator)

    response = api.post(f"/api/v1/moderation/messages/{reply.pk}/dismiss-flags/", {"reason": TOO_LONG}, format="json")
    body = response.json()
    assert (response.status_code, body["error_code"]) == (400, "reason_too_long")
    page = client.post(f"/moderation/queue/{reply.pk}/dismiss/", {"reason": TOO_LONG}, headers=HTMX)
    assert escape(body["message"]) in page.content.decode()
    page = client.post(f"/moderation/users/{target.pk}/ban/", {"reason": TOO_LONG}, headers=HTMX)
    assert escape(body["message"]) in page.content.decode()

    target.refresh_from_db()
    assert target.enabled and Report.objects.filter(resolved_at__isnull=True).count() == 1
    assert not ModerationAction.objects.exists()
    # At the limit, the same action goes through.
    response = api.post(f"/api/v1/moderation/users/{target.pk}/ban/", {"reason": "r" * 2000}, format="json")
    assert response.status_code == 200 and ModerationAction.objects.get().reason == "r" * 2000


NUL_REASON = "looks like spam\x00"


def test_a_reason_with_a_nul_is_refused_alike_on_the_pages_and_in_the_api(client, moderator):
    reply = make_reply(make_prompt())
    Report.objects.create(message=reply, user=UserFactory(), report_type="spam")
    target = UserFactory()
    api = api_client_for(moderator)
    client.force_login(moderator)

    response = api.post(f"/api/v1/moderation/messages/{reply.pk}/dismiss-flags/", {"reason": NUL_REASON}, format="json")
    body = response.json()
    assert (response.status_code, body["error_code"]) == (400, "reason_invalid_characters")
    for url, data in [
        (f"/api/v1/moderation/users/{target.pk}/ban/", {"reason": NUL_REASON}),
        (f"/api/v1/moderation/users/{target.pk}/notes/", {"note": NUL_REASON}),
    ]:
        response = api.post(url, data, format="json")
        assert (response.status_code, response.json()["error_code"]) == (400, "reason_invalid_characters")

    # The pages show the same message (the user page's ban used to go through with the reason left out).
    page = client.post(f"/moderation/queue/{reply.pk}/dismiss/", {"reason": NUL_REASON}, headers=HTMX)
    assert escape(body["message"]) in page.content.decode()
    for action, data in [("ban", {"reason": NUL_REASON}), ("note", {"note": NUL_REASON})]:
        page = client.post(f"/moderation/users/{target.pk}/{action}/", data, headers=HTMX)
        assert page.status_code == 422 and escape(body["message"]) in page.content.decode()

    target.refresh_from_db()
    assert target.enabled and target.notes == ""
    assert Report.objects.filter(resolved_at__isnull=True).count() == 1
    assert not ModerationAction.objects.exists()
