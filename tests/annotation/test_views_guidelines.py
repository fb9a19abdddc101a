"""The guidelines pages, their links from the task pages, header and footer, and the first-task walkthrough."""

import pytest
from django.urls import reverse

from annotation.guidelines import GUIDELINES, guideline_for
from annotation.models import Task, TaskIntroDismissal, TaskState, TaskType
from annotation.services.submissions import submit_text
from annotation.services.task_handout import request_task
from annotation.services.task_intro import dismiss_task_intro
from tests.factories import UserFactory, make_trees_for_every_task_type

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
SLUGS = [guideline.slug for guideline in GUIDELINES]
EXPECTED_GUIDELINE = {
    TaskType.INITIAL_PROMPT: "initial-prompt",
    TaskType.ASSISTANT_REPLY: "assistant-reply",
    TaskType.PROMPTER_REPLY: "prompter-reply",
    TaskType.LABEL_INITIAL_PROMPT: "review",
    TaskType.LABEL_ASSISTANT_REPLY: "review",
    TaskType.LABEL_PROMPTER_REPLY: "review",
    TaskType.RANK_ASSISTANT_REPLIES: "ranking",
    TaskType.RANK_PROMPTER_REPLIES: "ranking",
}


@pytest.fixture
def user():
    return UserFactory(languages=["en"])


def task_page(client, user, task_type: str) -> str:
    task = request_task(user=user, lang="en", task_type=task_type)
    return client.get(reverse("annotation:task_detail", args=[task.pk])).content.decode()


# --- The pages ----------------------------------------------------------------------------------------------


def test_every_task_type_has_its_guideline():
    assert {task_type: guideline_for(task_type).slug for task_type in TaskType.values} == EXPECTED_GUIDELINE


def test_the_overview_lists_every_guideline_for_visitors_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("annotation:guidelines"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Helpful" in page and "Honest" in page and "Harmless" in page
    for slug in SLUGS:
        assert f'href="/guidelines/{slug}/"' in page
    assert "When to skip, when to flag" in page
    assert 'href="/accounts/signup/"' in page


@pytest.mark.parametrize("slug", SLUGS)
def test_each_guideline_page_has_examples_and_says_when_to_skip_or_flag(client, user, slug, django_assert_num_queries):
    client.force_login(user)
    with django_assert_num_queries(2):  # the session and the user
        response = client.get(reverse("annotation:guideline", args=[slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="/guidelines/{slug}/" aria-current="page">' in page
    assert 'class="example example-' in page or 'class="ranking-example"' in page
    assert "When to skip, when to flag" in page
    assert 'href="/guidelines/" aria-current="page"' in page  # the header link is current
    assert 'href="/"' in page and "Back to my tasks" in page


def test_an_unknown_guideline_is_not_found(client):
    assert client.get("/guidelines/nothing-here/").status_code == 404
    assert client.post(reverse("annotation:guidelines")).status_code == 405


def test_the_guidelines_are_translated(client):
    page = client.get(reverse("annotation:guideline", args=["review"]), headers={"accept-language": "fr"})
    assert page.status_code == 200 and '<html lang="fr"' in page.content.decode()


def test_header_and_footer_link_to_the_guidelines(client, user):
    anonymous = client.get("/terms/").content.decode()
    assert anonymous.count('href="/guidelines/"') == 2
    client.force_login(user)
    assert client.get("/").content.decode().count('href="/guidelines/"') == 2


@pytest.mark.parametrize("task_type", TaskType.values)
def test_each_task_page_links_to_its_guideline(client, user, task_type):
    make_trees_for_every_task_type()
    client.force_login(user)
    page = task_page(client, user, task_type)
    assert f'href="/guidelines/{EXPECTED_GUIDELINE[task_type]}/"' in page and "Guidelines for this task" in page


# --- The first-task walkthrough ---------------------------------------------------------------------------------


def test_a_new_volunteer_sees_the_walkthrough_until_closing_it(client, user):
    make_trees_for_every_task_type()
    client.force_login(user)
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    url = reverse("annotation:task_detail", args=[task.pk])
    page = client.get(url).content.decode()
    assert 'id="task-intro"' in page and "Write the assistant's reply" in page
    assert 'href="/guidelines/assistant-reply/"' in page.split('id="task-intro"')[1]

    response = client.post(reverse("annotation:task_intro_dismiss"), headers=HTMX)
    assert response.status_code == 200 and response.content == b""
    assert TaskIntroDismissal.objects.filter(user=user).exists()
    assert 'id="task-intro"' not in client.get(url).content.decode()
    # Closing it twice is harmless.
    assert client.post(reverse("annotation:task_intro_dismiss"), headers=HTMX).status_code == 200


def test_the_walkthrough_explains_the_kind_of_task_at_hand(client, user):
    make_trees_for_every_task_type()
    client.force_login(user)
    assert "Review the last message" in task_page(client, user, TaskType.LABEL_ASSISTANT_REPLY)
    Task.objects.filter(user=user).update(state=TaskState.SKIPPED)
    assert "Put the replies in order" in task_page(client, user, TaskType.RANK_ASSISTANT_REPLIES)


def test_the_walkthrough_is_not_shown_once_a_task_was_submitted(client, user):
    make_trees_for_every_task_type()
    client.force_login(user)
    task = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    submit_text(task=task, user=user, text="How do tides work, and why are there two a day?")
    assert 'id="task-intro"' not in task_page(client, user, TaskType.ASSISTANT_REPLY)
    assert not TaskIntroDismissal.objects.filter(user=user).exists()


def test_the_walkthrough_is_not_swapped_in_with_the_next_task(client, user):
    make_trees_for_every_task_type()
    client.force_login(user)
    task = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    response = client.post(
        reverse("annotation:task_submit", args=[task.pk]),
        {"text": "What is the tallest tree in Europe?", "lang": "en"},
        headers=HTMX,
    )
    assert response.status_code == 200 and 'id="task-intro"' not in response.content.decode()


def test_closing_the_walkthrough_without_javascript_comes_back_to_the_page(client, user):
    client.force_login(user)
    response = client.post(reverse("annotation:task_intro_dismiss"), {"next": "/tasks/new/"})
    assert response.status_code == 302 and response.url == "/tasks/new/"
    response = client.post(reverse("annotation:task_intro_dismiss"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == "/"


def test_only_a_volunteer_closes_the_walkthrough(client):
    response = client.post(reverse("annotation:task_intro_dismiss"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert client.get(reverse("annotation:task_intro_dismiss")).status_code == 405
    assert not TaskIntroDismissal.objects.exists()


def test_the_walkthrough_costs_the_task_page_one_query(client, user, django_assert_num_queries):
    make_trees_for_every_task_type()
    client.force_login(user)
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    url = reverse("annotation:task_detail", args=[task.pk])
    client.get(url)  # acknowledges the task
    with django_assert_num_queries(6) as shown:
        client.get(url)
    dismiss_task_intro(user=user)
    with django_assert_num_queries(6) as hidden:
        client.get(url)
    assert any("annotation_taskintrodismissal" in query["sql"] for query in shown.captured_queries)
    assert len(shown.captured_queries) == len(hidden.captured_queries)
