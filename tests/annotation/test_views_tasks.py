import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotation.models import Draft, Message, MessageTree, Ranking, Review, Task, TaskState, TaskType, TreeState
from annotation.services.task_handout import expire_stale_tasks, request_task
from tests.factories import UserFactory, count_children, make_prompt, make_reply, make_trees_for_every_task_type

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
WRITE_TYPES = [TaskType.INITIAL_PROMPT, TaskType.ASSISTANT_REPLY, TaskType.PROMPTER_REPLY]
REVIEW_TYPES = [TaskType.LABEL_INITIAL_PROMPT, TaskType.LABEL_ASSISTANT_REPLY, TaskType.LABEL_PROMPTER_REPLY]
RANK_TYPES = [TaskType.RANK_ASSISTANT_REPLIES, TaskType.RANK_PROMPTER_REPLIES]


@pytest.fixture
def user():
    return UserFactory(languages=["en", "de"])


@pytest.fixture
def volunteer_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def trees():
    return make_trees_for_every_task_type()


def new_task(user, task_type: str) -> Task:
    return request_task(user=user, lang="en", task_type=task_type)


def task_url(name: str, task: Task) -> str:
    return reverse(f"annotation:{name}", args=[task.pk])


def review_values(task: Task) -> dict[str, str]:
    data = {"spam": "0", "quality": "0.75"}
    if "fails_task" in task.payload["label_names"]:
        data["fails_task"] = "0"
    return data


# --- The chooser -----------------------------------------------------------------------------------------------


def test_dashboard_shows_one_button_per_type_disabled_when_nothing_is_available(volunteer_client):
    page = volunteer_client.get("/").content.decode()
    assert 'data-task-type="initial_prompt"' in page
    for task_type in [*RANK_TYPES, *REVIEW_TYPES]:
        button = page.split(f'data-task-type="{task_type}"')[1].split(">")[0]
        assert "disabled" in button
    assert "Give me a task" in page


def test_chooser_counts_what_is_available_in_each_language(volunteer_client, trees):
    page = volunteer_client.get(reverse("annotation:task_chooser"), {"lang": "en"}, headers=HTMX).content.decode()
    button = page.split('data-task-type="rank_assistant_replies"')[1].split("</button>")[0]
    assert "disabled" not in button.split(">")[0] and "1 available" in button
    german = volunteer_client.get(reverse("annotation:task_chooser"), {"lang": "de"}, headers=HTMX).content.decode()
    assert 'data-task-type="rank_assistant_replies"\n                  disabled' in german
    assert '<option value="de" selected>' in german


@pytest.mark.parametrize("task_type", [*WRITE_TYPES, *REVIEW_TYPES, *RANK_TYPES])
def test_choosing_a_type_hands_out_that_task_and_shows_its_page(volunteer_client, user, trees, task_type):
    response = volunteer_client.post(reverse("annotation:task_new"), {"lang": "en", "type": task_type})
    task = Task.objects.get(user=user)
    assert task.type == task_type
    assert response.status_code == 302 and response.url == task_url("task_detail", task)
    page = volunteer_client.get(response.url).content.decode()
    assert 'id="task"' in page
    if task_type in WRITE_TYPES:
        assert 'name="text"' in page and 'data-char-counter data-max="2000"' in page
    elif task_type in REVIEW_TYPES:
        for name in task.payload["label_names"]:
            assert f'name="{name}"' in page
        assert "The message to review:" in page
    else:
        assert page.count('name="ranking"') == len(task.payload["replies"]) == 2
        assert "None of these is acceptable" in page
    task.refresh_from_db()
    assert task.acknowledged_at is not None


def test_unknown_task_type_or_nothing_available_gives_a_friendly_page(volunteer_client):
    response = volunteer_client.post(reverse("annotation:task_new"), {"lang": "en", "type": "bogus"})
    assert response.status_code == 400 and "Back to the dashboard" in response.content.decode()
    response = volunteer_client.get(reverse("annotation:task_new"), {"lang": "en", "type": "rank_prompter_replies"})
    assert response.status_code == 404
    assert "Nothing to do here right now" in response.content.decode()


def test_a_language_the_user_does_not_write_falls_back_to_their_first(volunteer_client, user):
    volunteer_client.post(reverse("annotation:task_new"), {"lang": "xx", "type": "initial_prompt"})
    assert Task.objects.get(user=user).lang == "en"


def test_pages_need_a_logged_in_volunteer(client, trees):
    response = client.get(reverse("annotation:task_new"))
    assert response.status_code == 302 and "login" in response.url
    response = client.post(reverse("annotation:markdown_preview"), {"text": "x"}, headers=HTMX)
    assert response.status_code == 200 and "HX-Redirect" in response.headers


# --- Submitting ------------------------------------------------------------------------------------------------


def test_a_reply_is_sent_and_the_next_task_is_swapped_in_with_its_url(volunteer_client, user, trees):
    volunteer_client.post(reverse("annotation:task_new"), {"lang": "en", "type": "assistant_reply"})
    task = Task.objects.get(user=user)
    response = volunteer_client.post(
        task_url("task_submit", task), {"text": "Here is **my** answer\r\non two lines", "lang": "en"}, headers=HTMX
    )
    assert response.status_code == 200
    message = Message.objects.get(author=user)
    assert message.text == "Here is **my** answer\non two lines" and message.parent_id == task.parent_message_id
    following = Task.objects.filter(user=user, state=TaskState.OPEN).get()
    assert following.type == TaskType.ASSISTANT_REPLY
    assert response.headers["HX-Push-Url"] == task_url("task_detail", following)
    assert f'data-task-id="{following.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_a_sent_prompt_does_not_come_back_in_the_next_one(volunteer_client, user):
    volunteer_client.post(reverse("annotation:task_new"), {"lang": "en", "type": "initial_prompt"})
    task = Task.objects.get(user=user)
    volunteer_client.post(task_url("task_draft", task), {"text": "What makes bread rise?"})
    response = volunteer_client.post(
        task_url("task_submit", task), {"text": "What makes bread rise?", "lang": "en"}, headers=HTMX
    )
    following = Task.objects.get(user=user, state=TaskState.OPEN)
    assert following.type == TaskType.INITIAL_PROMPT
    page = response.content.decode()
    assert f'data-task-id="{following.pk}"' in page
    assert "bread" not in page.split("<textarea")[1].split("</textarea>")[0]
    assert 'data-saved-at="0"' in page and not Draft.objects.exists()
    # Shown in place of the task sent: acknowledged, so it holds its kind's lease.
    assert following.acknowledged_at is not None


def test_when_no_next_task_is_left_a_friendly_message_is_shown(volunteer_client, user, trees):
    volunteer_client.post(reverse("annotation:task_new"), {"lang": "en", "type": "prompter_reply"})
    task = Task.objects.get(user=user)
    response = volunteer_client.post(task_url("task_submit", task), {"text": "Thanks! And then?"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and response.headers["HX-Push-Url"] == "false"
    assert "Nothing to do here right now" in page and reverse("dashboard") in page


def test_without_htmx_a_submission_redirects_to_the_next_task(volunteer_client, user, trees):
    volunteer_client.post(reverse("annotation:task_new"), {"lang": "en", "type": "initial_prompt"})
    task = Task.objects.get(user=user)
    response = volunteer_client.post(task_url("task_submit", task), {"text": "How do tides work?", "lang": "de"})
    following = Task.objects.get(user=user, state=TaskState.OPEN)
    assert response.status_code == 302 and response.url == task_url("task_detail", following)
    prompt = Message.objects.get(author=user)
    assert prompt.lang == "de" and prompt.tree.state == TreeState.INITIAL_PROMPT_REVIEW


@pytest.mark.parametrize("task_type", REVIEW_TYPES)
def test_a_review_is_sent_with_the_values_of_its_labels(volunteer_client, user, trees, task_type):
    task = new_task(user, task_type)
    data = {**review_values(task), "comment": "fine"}
    flag = next((name for name in task.payload["label_names"] if name == "lang_mismatch"), None)
    if flag:
        data[flag] = "on"
    response = volunteer_client.post(task_url("task_submit", task), data, headers=HTMX)
    assert response.status_code == 200
    review = Review.objects.get(reviewer=user)
    expected = {"spam": 0.0, "quality": 0.75, **({"lang_mismatch": 1.0} if flag else {})}
    assert {name: review.values[name] for name in expected} == expected
    assert review.comment == "fine"


@pytest.mark.parametrize("task_type", RANK_TYPES)
def test_a_ranking_is_sent_in_the_order_given(volunteer_client, user, trees, task_type):
    task = new_task(user, task_type)
    order = list(reversed(task.payload["replies"]))
    response = volunteer_client.post(task_url("task_submit", task), {"ranking": order}, headers=HTMX)
    assert response.status_code == 200
    ranking = Ranking.objects.get(user=user)
    assert [ranking.ranked_message_ids[i] for i in ranking.ranking] == order


def test_none_of_these_is_acceptable(volunteer_client, user, trees):
    task = new_task(user, TaskType.RANK_ASSISTANT_REPLIES)
    data = {"ranking": task.payload["replies"], "not_rankable": "1"}
    assert volunteer_client.post(task_url("task_submit", task), data, headers=HTMX).status_code == 200
    assert Ranking.objects.get(user=user).not_rankable


# --- Errors: always a page, never a 500 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [("   \r\n ", "The text may not be empty."), ("x" * 2001, "at most 2000 are allowed")],
)
def test_blank_or_too_long_text_is_a_form_error_and_the_text_stays(volunteer_client, user, trees, text, error):
    task = new_task(user, TaskType.ASSISTANT_REPLY)
    response = volunteer_client.post(task_url("task_submit", task), {"text": text}, headers=HTMX)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert Message.objects.filter(author=user).count() == 0


def test_a_service_error_is_shown_on_the_form_and_the_text_stays(volunteer_client, user, trees):
    first = new_task(user, TaskType.INITIAL_PROMPT)
    volunteer_client.post(task_url("task_submit", first), {"text": "Same words"}, headers=HTMX)
    second = new_task(user, TaskType.INITIAL_PROMPT)
    response = volunteer_client.post(task_url("task_submit", second), {"text": "Same words"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 422
    assert "You sent the same text a moment ago." in page
    assert ">\nSame words</textarea>" in page


def test_invalid_review_values_are_form_errors(volunteer_client, user, trees):
    task = new_task(user, TaskType.LABEL_ASSISTANT_REPLY)
    response = volunteer_client.post(task_url("task_submit", task), {"spam": "0", "quality": "7"}, headers=HTMX)
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    # A required label left out: the service's refusal, next to that field.
    response = volunteer_client.post(task_url("task_submit", task), {"spam": "0", "quality": "1"}, headers=HTMX)
    assert response.status_code == 422
    assert "Please answer: fails_task." in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.parametrize("mangle", ["duplicate", "missing", "foreign", "empty"])
def test_a_ranking_that_is_not_a_permutation_is_refused(volunteer_client, user, trees, mangle):
    task = new_task(user, TaskType.RANK_ASSISTANT_REPLIES)
    first = task.payload["replies"][0]
    ranking = {
        "duplicate": [first, first],
        "missing": [first],
        "foreign": [first, str(uuid.uuid4())],
        "empty": [],
    }[mangle]
    response = volunteer_client.post(task_url("task_submit", task), {"ranking": ranking}, headers=HTMX)
    assert response.status_code == 422
    assert "The ranking must order exactly the replies shown." in response.content.decode()
    assert not Ranking.objects.exists()


def test_a_refused_ranking_is_shown_again_in_the_order_given(volunteer_client, user, trees):
    task = new_task(user, TaskType.RANK_ASSISTANT_REPLIES)
    first, second = task.payload["replies"]
    response = volunteer_client.post(task_url("task_submit", task), {"ranking": [second]}, headers=HTMX)
    page = response.content.decode()
    assert page.index(f'data-id="{second}"') < page.index(f'data-id="{first}"')


def test_bogus_and_foreign_task_ids_are_not_found(volunteer_client, user, trees):
    other_task = new_task(UserFactory(), TaskType.ASSISTANT_REPLY)
    assert volunteer_client.get("/tasks/not-a-uuid/").status_code == 404
    assert volunteer_client.get(f"/tasks/{uuid.uuid4()}/").status_code == 404
    for name in ("task_detail",):
        assert volunteer_client.get(task_url(name, other_task)).status_code == 404
    for name in ("task_submit", "task_skip", "task_renew", "task_draft"):
        assert volunteer_client.post(task_url(name, other_task), {"text": "x"}).status_code == 404
    other_task.refresh_from_db()
    assert other_task.state == TaskState.OPEN


def test_wrong_methods_are_refused(volunteer_client, user, trees):
    task = new_task(user, TaskType.ASSISTANT_REPLY)
    for name in ("task_submit", "task_skip", "task_renew", "task_draft"):
        assert volunteer_client.get(task_url(name, task)).status_code == 405


def test_a_closed_task_shows_what_happened_and_keeps_the_text(volunteer_client, user, trees):
    task = new_task(user, TaskType.ASSISTANT_REPLY)
    volunteer_client.post(task_url("task_draft", task), {"text": "Half an answer"})
    volunteer_client.post(task_url("task_skip", task), {"reason": "other"})
    page = volunteer_client.get(task_url("task_detail", task)).content.decode()
    assert "You skipped this task." in page and "Half an answer" in page
    response = volunteer_client.post(task_url("task_submit", task), {"text": "Full answer"}, headers=HTMX)
    assert response.status_code == 422
    page = response.content.decode()
    assert "This task is already closed." in page and "Full answer" in page
    assert not Message.objects.filter(author=user).exists()


def test_submitting_a_done_task_again_returns_the_first_result(volunteer_client, user, trees):
    task = new_task(user, TaskType.INITIAL_PROMPT)
    volunteer_client.post(task_url("task_submit", task), {"text": "Only once"}, headers=HTMX)
    response = volunteer_client.post(task_url("task_submit", task), {"text": "Only once"}, headers=HTMX)
    assert response.status_code == 200
    assert Message.objects.filter(author=user).count() == 1
    page = volunteer_client.get(task_url("task_detail", task)).content.decode()
    assert "You have done this task." in page


def test_an_expired_task_keeps_the_text_sent_too_late(volunteer_client, user, trees):
    task = new_task(user, TaskType.PROMPTER_REPLY)
    expire_stale_tasks(now=timezone.now() + timedelta(days=3))
    # Someone else takes the freed slot, so the late submission cannot be accepted.
    new_task(UserFactory(), TaskType.PROMPTER_REPLY)
    response = volunteer_client.post(task_url("task_submit", task), {"text": "Late but long reply"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 422 and "Late but long reply" in page and "expired" in page
    assert Draft.objects.get(user=user, task=task).text == "Late but long reply"


# --- Skip, renew, drafts, preview --------------------------------------------------------------------------------


def test_skip_records_the_reason_and_loads_the_next_task(volunteer_client, user, trees):
    task = new_task(user, TaskType.LABEL_ASSISTANT_REPLY)
    volunteer_client.post(reverse("annotation:task_new"), {"lang": "en", "type": "label_assistant_reply"})
    Task.objects.filter(user=user).exclude(pk=task.pk).delete()
    response = volunteer_client.post(
        task_url("task_skip", task), {"reason": "dont_know", "note": "too technical"}, headers=HTMX
    )
    task.refresh_from_db()
    assert task.state == TaskState.SKIPPED and task.skip_reason == "dont_know: too technical"
    assert response.status_code == 200 and "Nothing to do here right now" in response.content.decode()


def test_skip_with_an_unknown_reason_is_a_form_error(volunteer_client, user, trees):
    task = new_task(user, TaskType.ASSISTANT_REPLY)
    response = volunteer_client.post(task_url("task_skip", task), {"reason": "bored"}, headers=HTMX)
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_renew_extends_the_lease_and_reports_a_closed_task(volunteer_client, user, trees):
    task = new_task(user, TaskType.ASSISTANT_REPLY)
    Task.objects.filter(pk=task.pk).update(expires_at=timezone.now() + timedelta(minutes=1))
    response = volunteer_client.post(task_url("task_renew", task))
    assert response.status_code == 200 and response.json()["seconds_left"] > 25 * 60
    Task.objects.filter(pk=task.pk).update(state=TaskState.EXPIRED)
    response = volunteer_client.post(task_url("task_renew", task))
    assert response.status_code == 410 and response.json()["error_code"] == "task_expired"


def test_the_draft_is_saved_and_shown_again_after_a_reload(volunteer_client, user, trees):
    task = new_task(user, TaskType.ASSISTANT_REPLY)
    response = volunteer_client.post(task_url("task_draft", task), {"text": "Work in progress"})
    assert response.status_code == 200 and response.json()["saved_at"] > 0
    page = volunteer_client.get(task_url("task_detail", task)).content.decode()
    assert ">\nWork in progress</textarea>" in page


def test_a_draft_comes_back_on_the_next_task_for_the_same_message(volunteer_client, user, trees):
    task = new_task(user, TaskType.PROMPTER_REPLY)
    volunteer_client.post(task_url("task_draft", task), {"text": "Do not lose me"})
    expire_stale_tasks(now=timezone.now() + timedelta(hours=1))
    again = new_task(user, TaskType.PROMPTER_REPLY)
    assert again.pk != task.pk and again.parent_message_id == task.parent_message_id
    page = volunteer_client.get(task_url("task_detail", again)).content.decode()
    assert ">\nDo not lose me</textarea>" in page
    volunteer_client.post(task_url("task_submit", again), {"text": "Do not lose me"}, headers=HTMX)
    assert not Draft.objects.filter(user=user).exists()


def test_draft_of_a_review_task_is_refused(volunteer_client, user, trees):
    task = new_task(user, TaskType.LABEL_ASSISTANT_REPLY)
    response = volunteer_client.post(task_url("task_draft", task), {"text": "x"})
    assert response.status_code == 400 and response.json()["error_code"] == "wrong_task_kind"


def test_preview_renders_sanitised_markdown(volunteer_client):
    response = volunteer_client.post(
        reverse("annotation:markdown_preview"),
        {"text": "**bold** <script>alert(1)</script> [x](javascript:alert(1))"},
        headers=HTMX,
    )
    page = response.content.decode()
    assert "<strong>bold</strong>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="javascript' not in page


# --- Weight ----------------------------------------------------------------------------------------------------


def deep_thread() -> Message:
    """A prompter message at depth 4 of a growing tree, the only one open for an assistant reply."""
    message = make_prompt()
    MessageTree.objects.filter(pk=message.tree_id).update(max_depth=5, goal_tree_size=15, max_children_count=1)
    for _ in range(4):
        parent, message = message, make_reply(message)
        count_children(parent)
    return message


@pytest.mark.parametrize("task_type", [TaskType.ASSISTANT_REPLY, TaskType.LABEL_PROMPTER_REPLY])
def test_the_task_page_makes_a_bounded_number_of_queries(
    volunteer_client, user, django_assert_max_num_queries, task_type
):
    leaf = deep_thread()
    if task_type == TaskType.LABEL_PROMPTER_REPLY:
        Message.objects.filter(pk=leaf.pk).update(review_result=None, review_count=0)
    task = new_task(user, task_type)
    assert len(task.payload["thread"]) == 5
    volunteer_client.get(task_url("task_detail", task))  # acknowledges the task
    with django_assert_max_num_queries(15):
        response = volunteer_client.get(task_url("task_detail", task))
    assert response.status_code == 200


# Every task page, of every kind, for a task already acknowledged (the first visit writes that it was seen).
TASK_PAGE_QUERIES = 6


@pytest.mark.parametrize("task_type", TaskType.values)
def test_every_task_page_stays_within_its_query_budget(
    volunteer_client, user, trees, django_assert_max_num_queries, task_type
):
    task = new_task(user, task_type)
    assert volunteer_client.get(task_url("task_detail", task)).status_code == 200
    with django_assert_max_num_queries(TASK_PAGE_QUERIES):
        response = volunteer_client.get(task_url("task_detail", task))
    assert response.status_code == 200
    assert f'<h1 id="task-title">{TaskType(task_type).label}</h1>' in response.content.decode()


def test_the_ranking_page_makes_a_bounded_number_of_queries(volunteer_client, user, django_assert_max_num_queries):
    leaf = deep_thread()
    MessageTree.objects.filter(pk=leaf.tree_id).update(state=TreeState.RANKING)
    for _ in range(3):
        make_reply(leaf)
    count_children(leaf)
    task = new_task(user, TaskType.RANK_ASSISTANT_REPLIES)
    volunteer_client.get(task_url("task_detail", task))
    with django_assert_max_num_queries(15):
        response = volunteer_client.get(task_url("task_detail", task))
    assert response.content.decode().count('name="ranking"') == 3


# --- Open tasks: given back, released ---------------------------------------------------------------------------


def test_choosing_the_same_type_again_gives_back_the_task_held(volunteer_client, user, trees):
    first = volunteer_client.post(reverse("annotation:task_new"), {"lang": "en", "type": "label_assistant_reply"})
    volunteer_client.get(first.url)
    again = volunteer_client.post(reverse("annotation:task_new"), {"lang": "en", "type": "label_assistant_reply"})
    assert again.url == first.url
    assert Task.objects.filter(user=user).count() == 1


def test_the_chooser_lists_the_open_tasks_with_a_release_button_each(volunteer_client, user, trees):
    tasks = [new_task(user, TaskType.ASSISTANT_REPLY), new_task(user, TaskType.LABEL_ASSISTANT_REPLY)]
    page = volunteer_client.get("/").content.decode()
    assert 'data-testid="open-task-count">(2)' in page
    for task in tasks:
        assert task_url("task_release", task) in page and f'data-open-task="{task.pk}"' in page
    assert reverse("annotation:task_release_all") in page and "Release all" in page
    ids = page.split('data-open-task-ids="')[1].split('"')[0].split()
    assert sorted(ids) == sorted(str(task.pk) for task in tasks)


def test_release_all_frees_every_open_task_and_shows_the_chooser_again(
    volunteer_client, user, trees, django_assert_num_queries
):
    reply = new_task(user, TaskType.ASSISTANT_REPLY)
    new_task(user, TaskType.LABEL_ASSISTANT_REPLY)
    new_task(user, TaskType.INITIAL_PROMPT)
    # Session and user (2); the release: a savepoint, the tasks locked, one claim freed per reply and review
    # task, the tasks closed, the savepoint released (6); the chooser: seven availability counts, the open tasks.
    with django_assert_num_queries(16):
        response = volunteer_client.post(reverse("annotation:task_release_all"), {"lang": "en"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="task-chooser"' in page and "<html" not in page
    assert "Your open tasks" not in page and 'data-open-task-ids=""' in page
    assert not Task.objects.filter(user=user, state=TaskState.OPEN).exists()
    assert Message.objects.get(pk=reply.parent_message_id).reply_claims == 0
    assert not Task.objects.filter(user=user, state=TaskState.SKIPPED).exists()
    # Without htmx: back to the dashboard.
    response = volunteer_client.post(reverse("annotation:task_release_all"))
    assert response.status_code == 302 and response.url == reverse("dashboard")


def test_release_gives_back_one_task(volunteer_client, user, trees, django_assert_num_queries):
    reply = new_task(user, TaskType.ASSISTANT_REPLY)
    review = new_task(user, TaskType.LABEL_ASSISTANT_REPLY)
    # Session, user and task (3); the release: a savepoint, the task locked, its claim freed, the task closed,
    # the savepoint released (5); the chooser: seven availability counts, the open tasks (8).
    with django_assert_num_queries(16):
        response = volunteer_client.post(task_url("task_release", reply), {"lang": "en"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="open-task-count">(1)' in page
    assert f'data-open-task="{review.pk}"' in page and f'data-open-task="{reply.pk}"' not in page
    assert Task.objects.get(pk=reply.pk).state == TaskState.EXPIRED
    other = request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert volunteer_client.post(task_url("task_release", other)).status_code == 404
