"""Toxicity flags in the flag queue: the kind filter, the score on the item, the operators' line on scoring."""

import pytest

from annotation.services.reactions import set_emoji
from tests.factories import UserFactory, api_client_for, make_prompt, make_reply
from tests.toxicity.conftest import KeywordClassifier
from toxicity.services import scoring
from toxicity.services.scoring import queue_messages, score_pending

pytestmark = pytest.mark.django_db

PAGE_URL = "/moderation/queue/"


@pytest.fixture(autouse=True)
def _scoring_on(settings):
    settings.TOXICITY_BACKEND = "profanity_check"


@pytest.fixture
def toxic(monkeypatch):
    monkeypatch.setattr(scoring, "get_classifier", lambda values=None: KeywordClassifier())
    prompt = make_prompt(text="Tell me about cats.")
    reply = make_reply(prompt, text="Only an idiot asks that.")
    queue_messages(message_ids=[reply.pk])
    score_pending()
    return reply


def test_the_page_shows_the_score_and_filters_the_toxicity_kind(client, moderator, toxic, django_assert_num_queries):
    red_flagged = make_reply(make_prompt(), text="Something else")
    set_emoji(user=UserFactory(), message=red_flagged, emoji="red_flag")
    client.force_login(moderator)
    client.get(PAGE_URL)  # the session and the user are read on every request
    # The flag queue page's 6 (tests/moderation/test_flag_queue.py) and the line on toxicity scoring.
    with django_assert_num_queries(7):
        html = client.get(PAGE_URL).content.decode()
    assert "Only an idiot asks that." in html and "Something else" in html
    assert "toxicity 0.90 (keywords-1)" in html and "by the classifier" in html and "<code>keywords-1</code>" in html
    assert '<option value="toxicity">' in html
    partial = client.get(PAGE_URL, {"kind": "toxicity"}, headers={"HX-Request": "true"}).content.decode()
    assert str(toxic.pk) in partial and str(red_flagged.pk) not in partial
    reports_only = client.get(PAGE_URL, {"kind": "report"}, headers={"HX-Request": "true"}).content.decode()
    assert str(toxic.pk) not in reports_only


def test_the_page_says_how_many_messages_wait_for_a_score(client, moderator, settings, django_assert_num_queries):
    prompt = make_prompt()
    queue_messages(message_ids=[prompt.pk, make_reply(prompt).pk])
    scoring.note_failure(RuntimeError("No model at /models/x"))
    client.force_login(moderator)
    client.get(PAGE_URL)  # the session and the user are read on every request
    # An empty queue: its one query, the session, the user, and one for the line on toxicity scoring.
    with django_assert_num_queries(4):
        html = client.get(PAGE_URL).content.decode()
    assert 'id="toxicity-status"' in html and "Toxicity scoring: 2 messages wait for a score" in html
    assert "Last failure: No model at /models/x" in html
    settings.TOXICITY_BACKEND = "off"
    assert 'id="toxicity-status"' not in client.get(PAGE_URL).content.decode()


def test_the_api_lists_toxicity_flags_with_the_model_and_scores(moderator, toxic):
    api = api_client_for(moderator)
    response = api.get("/api/v1/moderation/queue/", {"kind": "toxicity"})
    assert response.status_code == 200, response.content
    (item,) = response.json()["items"]
    assert item["message"]["id"] == str(toxic.pk) and item["red_flag_count"] == 0
    (report,) = item["reports"]
    assert report["report_type"] == "toxicity" and report["reporter_id"] is None
    assert report["reason"] == "keywords-1" and report["labels"] == {"toxicity": 0.9, "insult": 0.45}
    assert api.get("/api/v1/moderation/queue/", {"kind": "report"}).json()["items"] == []
