"""The conversation viewer in headless Chromium: tree and thread pages, reactions, reports, editing."""

import pytest

from annotation.models import EmojiReaction, MessageRevision, Report
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def conversation():
    user = UserFactory()
    root = make_prompt(text="What is a **good** first programming language?")
    python = make_reply(root, text="Python:\n\n```python\nprint('hello')\n```", rank=0)
    make_reply(root, text="مرحبا! Arabic text is shown right to left.", rank=1)
    follow_up = make_reply(python, text="Why Python?")
    mine = make_reply(follow_up, author=user, accepted=False, text="It reads like English.")
    return {"user": user, "root": root, "python": python, "follow_up": follow_up, "mine": mine}


def test_tree_page_with_reactions_and_a_report(page, log_in, screenshot, conversation):
    user, python = conversation["user"], conversation["python"]
    log_in(user)
    page.goto(f"/trees/{conversation['root'].tree_id}/")
    assert page.locator("article.msg").count() == 5
    assert page.locator(".msg-text strong", has_text="good").is_visible()
    assert page.locator(f"#msg-{python.pk} .badge-rank").inner_text() == "rank 1"
    screenshot("tree")

    # Collapse a branch.
    branch = page.locator(f"#msg-{python.pk} + details")
    branch.locator("> summary").click()
    assert not page.locator(f"#msg-{conversation['follow_up'].pk}").is_visible()

    # React: the count updates in place.
    thumbs = page.locator(f'#reactions-{python.pk} [data-emoji="+1"]')
    thumbs.click()
    page.locator(f'#reactions-{python.pk} [data-emoji="+1"][aria-pressed="true"]').wait_for()
    assert page.locator(f'#reactions-{python.pk} [data-emoji="+1"] .reaction-count').inner_text() == "1"
    assert EmojiReaction.objects.filter(user=user, message=python, emoji="+1").exists()

    # Report: a dialog with the report type and a reason.
    page.locator(f"#msg-{python.pk}").get_by_role("button", name="Report").click()
    dialog = page.locator("#report-dialog")
    dialog.get_by_label("What is wrong?").select_option("spam")
    dialog.get_by_label("Details").fill("An advert")
    dialog.get_by_role("button", name="Send report").click()
    dialog.get_by_text("A moderator will look at this message.").wait_for()
    dialog.get_by_role("button", name="Close").click()
    assert not dialog.is_visible()
    report = Report.objects.get(user=user)
    assert (report.message_id, report.report_type, report.reason) == (python.pk, "spam", "An advert")


def test_thread_page_and_editing_my_message(page, log_in, screenshot, conversation):
    mine = conversation["mine"]
    log_in(conversation["user"])
    page.goto(f"/messages/{conversation['follow_up'].pk}/")
    assert page.locator(".thread article.msg").count() == 3
    assert page.locator(".thread-children article.msg").count() == 1
    screenshot("thread")

    card = page.locator(f"#msg-{mine.pk}")
    card.get_by_role("button", name="Edit my message").click()
    editor = page.get_by_label("Edit your message")
    assert editor.input_value() == "It reads like English."
    editor.fill("It reads *almost* like English.")
    page.get_by_role("button", name="Save").click()
    page.locator(f"#msg-{mine.pk} .badge-edited").wait_for()
    assert page.locator(f"#msg-{mine.pk} .msg-text em").inner_text() == "almost"
    assert MessageRevision.objects.get(message=mine).text == "It reads like English."

    # One's own message cannot get a thumbs up: the rule is explained in place.
    page.locator(f'#reactions-{mine.pk} [data-emoji="+1"]').click()
    page.locator(f"#reactions-{mine.pk} .reaction-error").wait_for()
    assert not EmojiReaction.objects.exists()
