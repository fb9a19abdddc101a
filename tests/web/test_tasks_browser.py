"""The task pages in headless Chromium: every task type, drafts across a reload, keyboard ranking, skip, renewal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotation.models import Draft, Message, Ranking, Review, Task, TaskState, TaskType
from annotation.services.task_handout import request_task
from stats.services.points import refresh_user_stats
from tests.factories import UserFactory, make_ranking_tree, make_trees_for_every_task_type
from tests.web.conftest import ARTIFACTS, context_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def choose(page, task_type: str) -> str:
    """Ask for a task of one type with the dashboard's chooser; returns the task id."""
    page.goto("/")
    page.locator(f'#task-chooser button[data-task-type="{task_type}"]').click()
    page.wait_for_url("**/tasks/*-*/")
    return page.locator("#task").get_attribute("data-task-id")


def wait_for_next(page, task_id: str) -> None:
    """Wait until the task was swapped for the next one (or the no-task message)."""
    page.wait_for_function("id => document.querySelector('#task')?.dataset.taskId !== id", arg=task_id)


def send(page, button: str, task_id: str) -> None:
    """Send the task; the next one replaces it in the same document and its address is pushed."""
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name=button, exact=True).click()
    wait_for_next(page, task_id)
    assert page.evaluate("window.sameDocument") is True
    next_id = page.locator("#task").get_attribute("data-task-id")
    assert page.url.endswith(f"/tasks/{next_id}/" if next_id else f"/tasks/{task_id}/")


def write(page, screenshot, task_type: str, text: str) -> None:
    task_id = choose(page, task_type)
    page.locator("[data-editor]").fill(text)
    page.locator(".preview strong").wait_for()
    assert page.locator("[data-char-counter]").inner_text() == f"{len(text)} / 2000"
    screenshot(f"task_{task_type}")
    send(page, "Send", task_id)


def review(page, screenshot, task_type: str) -> None:
    task_id = choose(page, task_type)
    page.locator('[data-label="spam"] input[value="0"]').check()
    if page.locator('[data-label="fails_task"]').count():
        page.locator('[data-label="fails_task"] input[value="0"]').check()
    page.locator('[data-label="quality"] input[value="0.75"]').check()
    screenshot(f"task_{task_type}")
    send(page, "Send review", task_id)


def test_a_volunteer_does_one_task_of_every_type_and_earns_points(page, log_in, screenshot):
    user = UserFactory()
    make_trees_for_every_task_type()
    log_in(user)
    assert page.get_by_test_id("points").inner_text() == "0"
    screenshot("task_chooser")

    write(page, screenshot, "initial_prompt", "How do **tides** work?")
    write(page, screenshot, "assistant_reply", "The **moon** pulls the oceans.")
    write(page, screenshot, "prompter_reply", "Thanks, and **why** twice a day?")
    assert page.get_by_text("Nothing to do here right now").is_visible()
    review(page, screenshot, "label_initial_prompt")
    review(page, screenshot, "label_assistant_reply")
    review(page, screenshot, "label_prompter_reply")

    # Ranking by dragging the second reply above the first.
    task_id = choose(page, "rank_assistant_replies")
    items = page.locator("[data-rank-item]")
    before = [items.nth(i).get_attribute("data-id") for i in range(2)]
    items.nth(1).drag_to(items.nth(0), target_position={"x": 40, "y": 5})
    assert [items.nth(i).get_attribute("data-id") for i in range(2)] == before[::-1]
    screenshot("task_rank_assistant_replies")
    send(page, "Send ranking", task_id)

    # Ranking with the move buttons.
    task_id = choose(page, "rank_prompter_replies")
    second = page.locator("[data-rank-item]").nth(1)
    order = [second.get_attribute("data-id")]
    second.get_by_role("button", name="Move up").click()
    order.append(page.locator("[data-rank-item]").nth(1).get_attribute("data-id"))
    screenshot("task_rank_prompter_replies")
    send(page, "Send ranking", task_id)

    assert Message.objects.filter(author=user).count() == 3
    assert Review.objects.filter(reviewer=user).count() == 3
    rankings = {r.parent.role: r for r in Ranking.objects.filter(user=user).select_related("parent")}
    assert [rankings["prompter"].ranked_message_ids[i] for i in rankings["prompter"].ranking] == before[::-1]
    assert [rankings["assistant"].ranked_message_ids[i] for i in rankings["assistant"].ranking] == order

    refresh_user_stats()
    page.goto("/")
    assert int(page.get_by_test_id("points").inner_text()) >= 10


def test_a_draft_survives_a_reload_and_a_lost_browser_copy(page, log_in, live_server):
    user = UserFactory()
    make_trees_for_every_task_type()
    log_in(user)
    task_id = choose(page, "assistant_reply")
    editor = page.locator("[data-editor]")
    editor.press_sequentially("Half of a careful answer")
    page.reload()
    assert page.locator("[data-editor]").input_value() == "Half of a careful answer"

    # The server copy, saved a moment after typing, refills the editor when the browser's copy is gone.
    page.locator("[data-editor]").press_sequentially(", continued")
    page.get_by_text("Draft saved", exact=True).wait_for()
    assert Draft.objects.get(task_id=task_id).text == "Half of a careful answer, continued"
    page.evaluate("localStorage.clear()")
    page.reload()
    assert page.locator("[data-editor]").input_value() == "Half of a careful answer, continued"
    assert "continued" in page.locator(".preview").inner_text()

    # An expired claim: the page for it offers the text, and the next task for the same message starts with it.
    Task.objects.filter(pk=task_id).update(state=TaskState.EXPIRED)
    page.reload()
    assert page.locator("[data-copy-source]").input_value() == "Half of a careful answer, continued"


def test_skipping_with_text_typed_asks_first(page, log_in):
    make_trees_for_every_task_type()
    log_in(UserFactory())
    task_id = choose(page, "prompter_reply")
    page.locator("[data-editor]").fill("Something worth keeping")
    page.get_by_text("Skip this task").click()
    page.get_by_label("Why skip?").select_option("dont_know")
    page.get_by_role("button", name="Skip", exact=True).click()
    dialog = page.locator("[data-skip-confirm]")
    assert dialog.is_visible()
    dialog.get_by_role("button", name="Keep writing").click()
    assert Task.objects.get(pk=task_id).state == TaskState.OPEN
    page.get_by_role("button", name="Skip", exact=True).click()
    dialog.get_by_role("button", name="Skip anyway").click()
    wait_for_next(page, task_id)
    task = Task.objects.get(pk=task_id)
    assert task.state == TaskState.SKIPPED and task.skip_reason == "dont_know"


def tab_to(page, selector: str, *, text: str | None = None, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector`` (and has the ``text``)."""
    for _ in range(80):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate(
            "([selector, text]) => document.activeElement.matches(selector)"
            " && (text === null || document.activeElement.textContent.trim() === text)",
            [selector, text],
        ):
            return
    raise AssertionError(f"Tab never reaches {selector} {text or ''}")


def skip_to_content(page) -> None:
    """The first Tab of a page reaches the skip link; Enter on it moves on past the header."""
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.skip-link')")
    page.keyboard.press("Enter")


def start_by_keyboard(page, task_type: str, key: str = "Enter") -> str:
    """From the dashboard, Tab to the chooser's button for ``task_type`` and press it."""
    page.goto("/")
    skip_to_content(page)
    tab_to(page, f'#task-chooser button[data-task-type="{task_type}"]')
    page.keyboard.press(key)
    page.wait_for_url("**/tasks/*-*/")
    skip_to_content(page)
    return page.locator("#task").get_attribute("data-task-id")


def send_by_keyboard(page, button: str, task_id: str) -> None:
    tab_to(page, "#task-form button[type=submit]", text=button)
    page.keyboard.press("Enter")
    wait_for_next(page, task_id)


def test_every_task_kind_is_done_with_the_keyboard_alone(page, log_in):
    user = UserFactory()
    make_trees_for_every_task_type()
    log_in(user)

    for task_type, text, key in (
        ("initial_prompt", "How do tides work?", "Enter"),
        ("assistant_reply", "The moon pulls the oceans.", " "),
        ("prompter_reply", "Why twice a day?", "Enter"),
    ):
        task_id = start_by_keyboard(page, task_type, key)
        tab_to(page, "[data-editor]")
        page.keyboard.type(text)
        send_by_keyboard(page, "Send", task_id)
        assert Message.objects.get(author=user, text=text)

    # A review: y/n and 1-5 answer the question that holds the focus; Tab moves on to the next.
    task_id = start_by_keyboard(page, "label_assistant_reply")
    tab_to(page, '[data-label="spam"] input')
    page.keyboard.press("n")
    tab_to(page, '[data-label="fails_task"] input')
    page.keyboard.press("n")
    tab_to(page, '[data-label="quality"] input')
    page.keyboard.press("ArrowRight")  # the arrows choose among the radio buttons, too
    page.keyboard.press("4")
    send_by_keyboard(page, "Send review", task_id)
    values = Review.objects.get(reviewer=user).values
    assert (values["spam"], values["fails_task"], values["quality"]) == (0, 0, 0.75)

    # A ranking: a reply holding the focus moves with the arrow keys, and says where it went.
    task_id = start_by_keyboard(page, "rank_assistant_replies")
    items = page.locator("[data-rank-item]")
    first, second = (items.nth(i).get_attribute("data-id") for i in range(2))
    tab_to(page, "[data-rank-item]")
    page.keyboard.press("ArrowDown")
    assert [items.nth(i).get_attribute("data-id") for i in range(2)] == [second, first]
    assert page.evaluate("document.activeElement.dataset.id") == first
    assert page.locator("[data-rank-status]").inner_text() == "Moved to position 2 of 2"
    tab_to(page, f'[data-rank-item][data-id="{second}"]', backwards=True)
    page.keyboard.press("ArrowUp")  # already first: stays
    send_by_keyboard(page, "Send ranking", task_id)
    ranking = Ranking.objects.get(user=user)
    assert [ranking.ranked_message_ids[i] for i in ranking.ranking] == [second, first]


def test_a_ranking_is_reordered_and_sent_by_touch_on_a_phone(browser, live_server):
    user = UserFactory()
    root = make_ranking_tree(replies=3)
    task = request_task(user=user, lang="en", task_type=TaskType.RANK_ASSISTANT_REPLIES)
    assert task.parent_message_id == root.pk
    context = context_for(
        browser, live_server, user, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    try:
        page.goto(f"/tasks/{task.pk}/")
        items = page.locator("[data-rank-item]")
        a, b, c = (items.nth(i).get_attribute("data-id") for i in range(3))

        # The third reply dragged by its number above the first, with a finger.
        cdp = context.new_cdp_session(page)
        handle = items.nth(2).locator("[data-rank-position]")
        handle.scroll_into_view_if_needed()
        start, target = handle.bounding_box(), items.nth(0).bounding_box()
        x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
        scrolled = page.evaluate("scrollY")
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        steps = 8
        for step in range(1, steps + 1):
            to_y = y + (target["y"] + 5 - y) * step / steps
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": to_y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        order = [items.nth(i).get_attribute("data-id") for i in range(3)]
        assert order == [c, a, b]
        assert page.evaluate("scrollY") == scrolled  # the finger moved the reply, not the page
        assert page.locator("[data-rank-status]").inner_text() == "Moved to position 1 of 3"
        assert [items.nth(i).locator("[data-rank-position]").inner_text() for i in range(3)] == ["1", "2", "3"]

        # A tap on a reply's ↓.
        items.nth(1).get_by_role("button", name="Move down").tap()
        assert [items.nth(i).get_attribute("data-id") for i in range(3)] == [c, b, a]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "task_rank_by_touch_phone.png"), full_page=True)
        page.get_by_role("button", name="Send ranking").tap()
        wait_for_next(page, str(task.pk))
    finally:
        context.close()
    ranking = Ranking.objects.get(user=user)
    assert [ranking.ranked_message_ids[i] for i in ranking.ranking] == [c, b, a]


def test_the_claim_is_renewed_while_the_page_is_open(page, log_in):
    user = UserFactory()
    make_trees_for_every_task_type()
    log_in(user)
    task_id = choose(page, TaskType.ASSISTANT_REPLY)
    Task.objects.filter(pk=task_id).update(expires_at=timezone.now() + timedelta(seconds=20))
    page.reload()
    page.wait_for_timeout(12_000)
    assert Task.objects.get(pk=task_id).expires_at > timezone.now() + timedelta(minutes=20)


def test_a_refused_text_stays_in_the_editor_with_the_reason(page, log_in):
    make_trees_for_every_task_type()
    log_in(UserFactory())
    task_id = choose(page, "assistant_reply")
    page.locator("[data-editor]").fill("x" * 2001)
    assert "over-limit" in page.locator("[data-char-counter]").get_attribute("class")
    # The browser only hints (send disabled, a message); the server still refuses such a text.
    send_button = page.get_by_role("button", name="Send", exact=True)
    assert send_button.is_disabled()
    assert page.get_by_text("Your text is longer than 2000 characters").is_visible()
    send_button.evaluate("button => { button.disabled = false; }")
    send_button.click()
    page.locator(".errorlist").get_by_text("at most 2000 are allowed").wait_for()
    assert page.locator("#task").get_attribute("data-task-id") == task_id
    assert page.locator("[data-editor]").input_value() == "x" * 2001


def test_a_send_the_server_cannot_answer_says_so_and_keeps_the_text(page, log_in):
    make_trees_for_every_task_type()
    user = UserFactory()
    log_in(user)
    task_id = choose(page, "assistant_reply")
    page.locator("[data-editor]").fill("Kept through the outage.")
    alert = page.get_by_role("alert").filter(has_text="The server could not answer just now")
    assert not alert.is_visible()

    # As while the database restarts: the server answers 503 (tests/faults), or the connection drops.
    page.route("**/submit/", lambda route: route.fulfill(status=503, body="unavailable"))
    page.get_by_role("button", name="Send", exact=True).click()
    alert.wait_for()
    page.unroute("**/submit/")
    page.route("**/submit/", lambda route: route.abort())
    page.get_by_role("button", name="Send", exact=True).click()
    alert.wait_for()
    assert page.locator("#task").get_attribute("data-task-id") == task_id
    assert page.locator("[data-editor]").input_value() == "Kept through the outage."
    assert not Message.objects.filter(author=user).exists()

    page.unroute("**/submit/")
    send(page, "Send", task_id)
    assert not alert.is_visible()
    assert Message.objects.get(author=user).text == "Kept through the outage."


def test_the_chooser_switches_language_in_place(page, log_in):
    make_trees_for_every_task_type()
    log_in(UserFactory(languages=["en", "de"]))
    rank = page.locator('#task-chooser button[data-task-type="rank_assistant_replies"]')
    assert rank.is_enabled()
    page.get_by_label("Language of the tasks").select_option("de")
    page.locator('#task-chooser button[data-task-type="rank_assistant_replies"][disabled]').wait_for()
    page.locator('#task-chooser button[data-task-type="initial_prompt"]').click()
    page.wait_for_url("**/tasks/*-*/")
    assert Task.objects.get().lang == "de"


def draft_keys(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter(key => key.startsWith('oasst.draft.'))")


def settle(page) -> None:
    """Wait past the editor's save delay, so that a draft saved on its own would show."""
    page.wait_for_timeout(2_500)


def test_a_sent_prompt_does_not_come_back_in_the_next_prompt_task(page, log_in):
    log_in(UserFactory())
    task_id = choose(page, "initial_prompt")
    page.locator("[data-editor]").fill("What makes bread rise?")
    page.get_by_text("Draft saved", exact=True).wait_for()
    assert any(task_id in key for key in draft_keys(page))
    send(page, "Send", task_id)

    assert page.locator("[data-editor]").input_value() == ""
    settle(page)
    assert page.locator("[data-draft-status]").inner_text() == ""
    assert page.get_by_text("Draft saved").count() == 0
    assert draft_keys(page) == [] and not Draft.objects.exists()


def test_a_skipped_text_does_not_come_back_and_leaves_no_browser_copy(page, log_in):
    make_trees_for_every_task_type()
    log_in(UserFactory())

    def skip_after_typing(task_type: str, text: str) -> Task:
        task_id = choose(page, task_type)
        page.locator("[data-editor]").fill(text)
        page.get_by_text("Draft saved", exact=True).wait_for()
        assert any(task_id in key for key in draft_keys(page))
        page.get_by_text("Skip this task").click()
        page.get_by_role("button", name="Skip", exact=True).click()
        page.locator("[data-skip-confirm]").get_by_role("button", name="Skip anyway").click()
        wait_for_next(page, task_id)
        return Task.objects.get(pk=task_id)

    skipped = skip_after_typing("initial_prompt", "An idea I gave up")
    assert skipped.state == TaskState.SKIPPED
    assert page.locator("[data-editor]").input_value() == ""
    settle(page)
    assert page.locator("[data-draft-status]").inner_text() == ""
    assert draft_keys(page) == []

    # A reply: the browser's copy under the message replied to goes too.
    skipped = skip_after_typing("assistant_reply", "An answer I gave up")
    assert not [key for key in draft_keys(page) if str(skipped.pk) in key or str(skipped.parent_message_id) in key]
    assert page.locator("[data-editor]").input_value() == ""


def test_stale_browser_drafts_are_pruned_on_the_dashboard(page, log_in):
    user = UserFactory()
    log_in(user)
    held = request_task(user=user, lang="en")
    old = int((timezone.now() - timedelta(days=3)).timestamp() * 1000)
    fresh = int(timezone.now().timestamp() * 1000)
    page.evaluate(
        """([held, old, fresh]) => {
            const put = (key, savedAt) => localStorage.setItem(key, JSON.stringify({text: "x", savedAt}));
            put("oasst.draft.task." + held, fresh);
            put("oasst.draft.task.00000000-0000-0000-0000-000000000001", fresh);
            put("oasst.draft.parent.assistant_reply.00000000-0000-0000-0000-000000000002", old);
            put("oasst.draft.parent.assistant_reply.00000000-0000-0000-0000-000000000003", fresh);
        }""",
        [str(held.pk), old, fresh],
    )
    page.reload()
    assert sorted(draft_keys(page)) == [
        "oasst.draft.parent.assistant_reply.00000000-0000-0000-0000-000000000003",
        f"oasst.draft.task.{held.pk}",
    ]


def test_the_same_card_gives_back_the_same_task_and_release_all_empties_the_list(page, log_in):
    user = UserFactory()
    make_trees_for_every_task_type()
    log_in(user)
    urls = {}
    for task_type in ("label_assistant_reply", "assistant_reply"):
        choose(page, task_type)
        urls[task_type] = page.url
        page.go_back()
        page.locator(f'#task-chooser button[data-task-type="{task_type}"]').click()
        page.wait_for_url("**/tasks/*-*/")
        assert page.url == urls[task_type]
    assert Task.objects.filter(user=user).count() == 2

    page.goto("/")
    count = page.get_by_test_id("open-task-count")
    assert count.inner_text() == "(2)"
    review = Task.objects.get(user=user, type=TaskType.LABEL_ASSISTANT_REPLY)
    page.locator(f'[data-open-task="{review.pk}"]').get_by_role("button").click()
    page.locator(f'[data-open-task="{review.pk}"]').wait_for(state="detached")
    assert count.inner_text() == "(1)"
    page.get_by_role("button", name="Release all").click()
    page.locator(".open-tasks").wait_for(state="detached")
    assert page.locator("[data-open-task]").count() == 0
    assert not Task.objects.filter(user=user, state=TaskState.OPEN).exists()
    assert not Task.objects.filter(user=user, state=TaskState.SKIPPED).exists()
    # The items are offered again.
    assert page.locator('#task-chooser button[data-task-type="label_assistant_reply"]').is_enabled()
