"""Toxicity end to end in headless Chromium: a rude reply is submitted, scored in the background by the default
classifier once committed, and a moderator finds it in the flag queue under the toxicity kind, with its score."""

import pytest

from accounts.models import Role
from annotation.models import Message, TaskType, ToxicityScore
from annotation.services.submissions import submit_text
from annotation.services.task_handout import request_task
from tests.factories import UserFactory, make_prompt, make_reply
from toxicity.services import scoring

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rude_reply_is_scored_and_a_moderator_finds_it_under_the_toxicity_kind(page, log_in, screenshot, settings):
    from playwright.sync_api import expect

    settings.TOXICITY_BACKEND = "profanity_check"  # off in the test settings

    prompt = make_prompt(text="Tell me about whales")
    writer = UserFactory()
    task = request_task(user=writer, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    # Committed at once (no test transaction here), the message waits for its score; the job's service scores it
    # (here in place: whether the job itself runs eagerly depends on Celery state other tests leave behind).
    rude = submit_text(task=task, user=writer, text="Shut up, you stupid worthless idiot.")
    kind = make_reply(prompt, text="Whales are mammals")
    scoring.drain_queue(seconds=30)
    score = ToxicityScore.objects.get(message=rude)
    assert score.model_name.startswith("alt-profanity-check") and score.scores["toxicity"] > 0.8

    log_in(UserFactory(role=Role.MODERATOR))
    page.goto("/moderation/queue/")
    expect(page.locator("#toxicity-status")).to_contain_text("Toxicity scoring: 0 messages wait for a score")
    page.get_by_label("Kind").select_option("toxicity")
    page.get_by_role("button", name="Filter").click()
    items = page.locator("#flag-queue-results .queue-item")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Shut up, you stupid worthless idiot.")
    expect(items.first.locator(".queue-toxicity")).to_contain_text(f"toxicity {score.scores['toxicity']:.2f}")
    expect(items.first.locator(".queue-reports")).to_contain_text("by the classifier")
    screenshot("flag_queue_toxicity")
    items.first.get_by_role("button", name="Hide with its replies").click()
    expect(page.locator("#flag-queue-results")).to_contain_text("Hid 1 message.")
    assert Message.objects.get(pk=rude.pk).deleted and not Message.objects.get(pk=kind.pk).deleted
