"""The acknowledgement after a task, and the daily goal."""

import pytest
from django.urls import reverse

from annotation.models import Message, Review, Task, TaskState, TaskType
from annotation.services.task_handout import request_task
from tests.factories import UserFactory, make_trees_for_every_task_type

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def user():
    return UserFactory(languages=["en"], daily_goal=3)


@pytest.fixture
def volunteer_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def trees():
    return make_trees_for_every_task_type()


def send_reply(client, user, text="A careful and helpful answer.") -> Task:
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    response = client.post(
        reverse("annotation:task_submit", args=[task.pk]), {"text": text, "lang": "en"}, headers=HTMX
    )
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.state == TaskState.DONE
    return task, response.content.decode()


def test_the_next_task_loads_the_acknowledgement_of_the_one_just_sent(volunteer_client, user, trees):
    task, page = send_reply(volunteer_client, user)
    assert reverse("task_done", args=[task.pk]) in page


def test_acknowledgement_shows_points_by_the_leaderboard_rule_link_and_daily_progress(
    volunteer_client, user, trees, django_assert_num_queries
):
    task, _ = send_reply(volunteer_client, user)
    message = Message.objects.get(author=user)
    # Session, user, task, 3 activity counts, best replies, good rankings, counter of the task, tasks today.
    with django_assert_num_queries(10):
        response = volunteer_client.get(reverse("task_done", args=[task.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    # An assistant reply is worth 4 points (SPEC 6).
    assert "+4 points" in page
    assert reverse("annotation:message_detail", args=[message.pk]) in page
    assert "Today: 1 / 3 tasks" in page
    assert "Level 0" in page


def test_acknowledgement_of_a_review_links_the_reviewed_message(volunteer_client, user, trees):
    task = request_task(user=user, lang="en", task_type=TaskType.LABEL_ASSISTANT_REPLY)
    data = {"spam": "0", "quality": "0.75"}
    if "fails_task" in task.payload["label_names"]:
        data["fails_task"] = "0"
    volunteer_client.post(reverse("annotation:task_submit", args=[task.pk]), data, headers=HTMX)
    page = volunteer_client.get(reverse("task_done", args=[task.pk])).content.decode()
    # A full review is worth 2 points, a simple one 1 (SPEC 6).
    expected = "+2 points" if Review.objects.get(task=task).full else "+1 point"
    assert expected in page and "See the message you reviewed" in page
    assert reverse("annotation:message_detail", args=[task.message_id]) in page


def test_without_htmx_the_next_task_page_carries_the_acknowledgement_once(volunteer_client, user, trees):
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    response = volunteer_client.post(
        reverse("annotation:task_submit", args=[task.pk]), {"text": "Plain form answer.", "lang": "en"}
    )
    assert response.status_code == 302
    done_url = reverse("task_done", args=[task.pk])
    assert done_url in volunteer_client.get(response.url).content.decode()
    assert done_url not in volunteer_client.get(response.url).content.decode()


def test_open_or_somebody_elses_task_has_no_acknowledgement(volunteer_client, user, trees):
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert volunteer_client.get(reverse("task_done", args=[task.pk])).status_code == 404
    other = UserFactory(languages=["en"])
    done, _ = send_reply(volunteer_client, user)
    volunteer_client.force_login(other)
    assert volunteer_client.get(reverse("task_done", args=[done.pk])).status_code == 404


def test_dashboard_shows_the_daily_goal_and_it_can_be_changed(volunteer_client, user):
    page = volunteer_client.get("/").content.decode()
    assert "Today: 0 / 3 tasks" in page
    response = volunteer_client.post(reverse("daily_goal"), {"daily_goal": "12"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.daily_goal == 12
    assert "Today: 0 / 12 tasks" in volunteer_client.get("/").content.decode()


@pytest.mark.parametrize("value", ["0", "-3", "501", "many", ""])
def test_a_bad_daily_goal_is_a_form_error(volunteer_client, user, value):
    response = volunteer_client.post(reverse("daily_goal"), {"daily_goal": value})
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    user.refresh_from_db()
    assert user.daily_goal == 3
