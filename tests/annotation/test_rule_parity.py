"""One rule set: every case goes through the task pages and through the REST API, with the same outcome.

A case is a task type, what the volunteer sends, and the expected error code (None: accepted). The API must
answer with that code; the page must refuse with the API's own message (or accept), and the database must
hold the same result either way.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from annotation.models import Draft, Message, Ranking, Review, Task, TaskState, TaskType
from annotation.services.task_handout import request_task
from tests.factories import UserFactory, api_client_for, make_prompt, make_trees_for_every_task_type

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
FINE_REVIEW = {"spam": 0.0, "fails_task": 0.0, "quality": 0.75}

TEXT_CASES = [
    ("empty", "", "text_blank"),
    ("whitespace", "   \r\n ", "text_blank"),
    ("zero-width only", ZERO_WIDTH, "text_blank"),
    ("zero-width around spaces", f"{ZERO_WIDTH} \u3164 {ZERO_WIDTH}", "text_blank"),
    ("too long", "x" * 2001, "text_too_long"),
    ("control character inside", "half\x07text", "text_invalid_characters"),
    ("longest allowed", "y" * 2000, None),
    ("plain", "A plain and helpful reply.", None),
]
REVIEW_CASES = [
    ("no quality", {"spam": 0.0, "fails_task": 0.0}, "", "invalid_labels"),
    ("no fails_task", {"spam": 0.0, "quality": 0.5}, "", "invalid_labels"),
    ("no spam", {"fails_task": 0.0, "quality": 0.5}, "", "invalid_labels"),
    ("comment too long", FINE_REVIEW, "c" * 2001, "comment_too_long"),
    ("longest comment", FINE_REVIEW, "c" * 2000, None),
    ("complete", FINE_REVIEW, "", None),
]
SKIP_CASES = [
    ("note too long", "n" * 494, "skip_reason_too_long"),
    ("long note", "n" * 450, None),
    ("no note", "", None),
]


@pytest.fixture
def trees():
    return make_trees_for_every_task_type()


class Surfaces:
    """The same volunteer action through the page (one user) and the API (another user)."""

    def __init__(self, client) -> None:
        self.page_user, self.api_user = UserFactory(languages=["en"]), UserFactory(languages=["en"])
        client.force_login(self.page_user)
        self.page = client
        self.api = api_client_for(self.api_user)

    def tasks(self, task_type: str) -> tuple[Task, Task]:
        return tuple(
            request_task(user=user, lang="en", task_type=task_type) for user in (self.page_user, self.api_user)
        )

    def check(self, *, api_response, page_response, expected_code: str | None) -> None:
        if expected_code is None:
            assert api_response.status_code == 201, api_response.content
            assert page_response.status_code == 200, page_response.content
            return
        body = api_response.json()
        assert (api_response.status_code, body["error_code"]) == (400, expected_code), body
        assert page_response.status_code == 422
        assert escape(body["message"]) in page_response.content.decode()


def _page_url(name: str, task: Task) -> str:
    return reverse(f"annotation:{name}", args=[task.pk])


@pytest.mark.parametrize(("case", "text", "expected"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
@pytest.mark.parametrize("task_type", [TaskType.INITIAL_PROMPT, TaskType.ASSISTANT_REPLY])
def test_text_rules_are_the_same_on_both_surfaces(client, trees, task_type, case, text, expected):
    surfaces = Surfaces(client)
    page_task, api_task = surfaces.tasks(task_type)
    api_response = surfaces.api.post(f"/api/v1/tasks/{api_task.pk}/submit/", {"text": text}, format="json")
    page_response = surfaces.page.post(_page_url("task_submit", page_task), {"text": text}, headers=HTMX)
    surfaces.check(api_response=api_response, page_response=page_response, expected_code=expected)
    written = [Message.objects.filter(author=user).count() for user in (surfaces.page_user, surfaces.api_user)]
    assert written == ([1, 1] if expected is None else [0, 0])


def _page_review(values: dict[str, float], comment: str) -> dict[str, str]:
    return {**{name: f"{value:g}" for name, value in values.items()}, "comment": comment}


@pytest.mark.parametrize(("case", "values", "comment", "expected"), REVIEW_CASES, ids=[c[0] for c in REVIEW_CASES])
def test_review_rules_are_the_same_on_both_surfaces(client, trees, case, values, comment, expected):
    surfaces = Surfaces(client)
    page_task, api_task = surfaces.tasks(TaskType.LABEL_ASSISTANT_REPLY)
    api_response = surfaces.api.post(
        f"/api/v1/tasks/{api_task.pk}/submit/", {"values": values, "comment": comment}, format="json"
    )
    page_response = surfaces.page.post(_page_url("task_submit", page_task), _page_review(values, comment), headers=HTMX)
    surfaces.check(api_response=api_response, page_response=page_response, expected_code=expected)
    assert Review.objects.count() == (2 if expected is None else 0)
    if expected is None:
        assert {review.comment for review in Review.objects.all()} == {comment}


@pytest.mark.parametrize("mangle", ["valid", "missing", "duplicate", "foreign"])
def test_ranking_rules_are_the_same_on_both_surfaces(client, trees, mangle):
    surfaces = Surfaces(client)
    page_task, api_task = surfaces.tasks(TaskType.RANK_ASSISTANT_REPLIES)
    shown = page_task.payload["replies"]
    assert sorted(shown) == sorted(api_task.payload["replies"])
    ranking = {
        "valid": shown[::-1],
        "missing": shown[:1],
        "duplicate": [shown[0], shown[0]],
        "foreign": [shown[0], str(Message.objects.exclude(pk__in=shown).first().pk)],
    }[mangle]
    expected = None if mangle == "valid" else "invalid_ranking"
    api_response = surfaces.api.post(f"/api/v1/tasks/{api_task.pk}/submit/", {"ranking": ranking}, format="json")
    page_response = surfaces.page.post(_page_url("task_submit", page_task), {"ranking": ranking}, headers=HTMX)
    surfaces.check(api_response=api_response, page_response=page_response, expected_code=expected)
    assert Ranking.objects.count() == (2 if expected is None else 0)


@pytest.mark.parametrize(("case", "note", "expected"), SKIP_CASES, ids=[c[0] for c in SKIP_CASES])
def test_skip_rules_are_the_same_on_both_surfaces(client, trees, case, note, expected):
    surfaces = Surfaces(client)
    page_task, api_task = surfaces.tasks(TaskType.ASSISTANT_REPLY)
    reason = f"other: {note}" if note else "other"
    api_response = surfaces.api.post(f"/api/v1/tasks/{api_task.pk}/skip/", {"reason": reason}, format="json")
    page_response = surfaces.page.post(
        _page_url("task_skip", page_task), {"reason": "other", "note": note}, headers=HTMX
    )
    if expected is None:
        assert api_response.status_code == 200 and page_response.status_code == 200
    else:
        body = api_response.json()
        assert (api_response.status_code, body["error_code"]) == (400, expected)
        assert page_response.status_code == 422 and escape(body["message"]) in page_response.content.decode()
    states = {task.state for task in Task.objects.filter(pk__in=[page_task.pk, api_task.pk])}
    assert states == {TaskState.SKIPPED if expected is None else TaskState.OPEN}
    if expected is None:
        assert {task.skip_reason for task in Task.objects.filter(pk__in=[page_task.pk, api_task.pk])} == {reason}


def test_the_text_of_a_lost_claim_is_kept_as_a_draft_on_both_surfaces(client, trees):
    surfaces = Surfaces(client)
    page_task, api_task = surfaces.tasks(TaskType.ASSISTANT_REPLY)
    for task in (page_task, api_task):
        # The lease ran out and the expiry closed the task; the parent's other slots were taken meanwhile.
        Task.objects.filter(pk=task.pk).update(state=TaskState.EXPIRED, expires_at=timezone.now() - timedelta(1))
    parents = [page_task.parent_message_id, api_task.parent_message_id]
    Message.objects.filter(pk__in=parents).update(children_count=3, reply_claims=0)
    api_response = surfaces.api.post(f"/api/v1/tasks/{api_task.pk}/submit/", {"text": "Kept safe."}, format="json")
    page_response = surfaces.page.post(_page_url("task_submit", page_task), {"text": "Kept safe."}, headers=HTMX)
    assert api_response.status_code == 410 and api_response.json()["error_code"] == "task_expired"
    assert page_response.status_code == 422
    drafts = {draft.user_id: draft.text for draft in Draft.objects.all()}
    assert drafts == {surfaces.page_user.pk: "Kept safe.", surfaces.api_user.pk: "Kept safe."}


@pytest.mark.parametrize(
    ("text", "expected"),
    [(ZERO_WIDTH, "text_blank"), ("z" * 2001, "text_too_long"), ("bell\x07", "text_invalid_characters")],
)
def test_editing_one_s_own_message_follows_the_same_text_rule(client, text, expected):
    page_user, api_user = UserFactory(), UserFactory()
    page_message, api_message = (
        make_prompt(author=author, accepted=False, text="Before") for author in (page_user, api_user)
    )
    client.force_login(page_user)
    url = reverse("annotation:message_edit", args=[page_message.pk])
    page_response = client.post(url, {"text": text}, headers=HTMX)
    api_response = api_client_for(api_user).patch(f"/api/v1/messages/{api_message.pk}/", {"text": text}, format="json")
    body = api_response.json()
    assert (api_response.status_code, body["error_code"]) == (400, expected)
    assert page_response.status_code == 422 and escape(body["message"]) in page_response.content.decode()
    assert set(Message.objects.values_list("text", flat=True)) == {"Before"}


def test_a_sent_text_takes_its_draft_along_on_both_surfaces(client, trees):
    surfaces = Surfaces(client)
    page_task, api_task = surfaces.tasks(TaskType.INITIAL_PROMPT)
    for user, task in ((surfaces.page_user, page_task), (surfaces.api_user, api_task)):
        Draft.objects.create(user=user, task=task, task_type=task.type, text="Typed, then sent.")
    api_response = surfaces.api.post(
        f"/api/v1/tasks/{api_task.pk}/submit/", {"text": "Typed, then sent."}, format="json"
    )
    page_response = surfaces.page.post(_page_url("task_submit", page_task), {"text": "Typed, then sent."}, headers=HTMX)
    surfaces.check(api_response=api_response, page_response=page_response, expected_code=None)
    assert not Draft.objects.exists()
