"""Look and feel in headless Chromium, at desktop and phone sizes: colour schemes, the phone menu, the
favicon, the language applied on selection, the admin link, and the compact task pages."""

import pytest

from annotation.models import Report, Review, TaskType
from annotation.services.task_handout import request_task
from tests.factories import UserFactory, make_prompt, make_reply, make_trees_for_every_task_type
from tests.web.conftest import log_in_by_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PASSWORD = "pw-for-tests-123"


@pytest.fixture(params=sorted(SIZES))
def sized(request, browser, live_server):
    """A page at desktop or phone size, in a browser that prefers dark colours."""
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[request.param], color_scheme="dark")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.size_name = request.param
    yield page
    context.close()


def shot(page, name: str) -> None:
    from tests.web.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}_{page.size_name}.png"), full_page=True)


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Login", exact=True).fill(user.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: url.endswith("/"))


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def open_menu_on_phones(page) -> None:
    button = page.get_by_role("button", name="Menu")
    if page.size_name == "phone":
        assert button.get_attribute("aria-expanded") == "false"
        assert not page.get_by_role("navigation", name="Main").is_visible()
        button.focus()
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true"
    else:
        assert not button.is_visible()
    assert page.get_by_role("navigation", name="Main").is_visible()


def test_dark_by_default_and_the_users_choice_is_kept(sized):
    user = UserFactory()
    log_in(sized, user)
    assert background(sized) == "rgb(18, 21, 28)"  # The browser prefers dark.
    assert sized.evaluate("document.documentElement.scrollWidth") <= SIZES[sized.size_name]["width"]
    shot(sized, "dashboard_dark")

    open_menu_on_phones(sized)
    sized.get_by_label("Colour scheme").select_option("light")
    sized.wait_for_function("document.documentElement.dataset.theme === 'light'")
    assert background(sized) == "rgb(246, 247, 251)"
    user.refresh_from_db()
    assert user.theme == "light"
    shot(sized, "dashboard_light")

    sized.goto("/profile/")
    assert sized.locator("html").get_attribute("data-theme") == "light"


def test_a_visitors_choice_is_kept_in_a_cookie(sized):
    sized.goto("/guidelines/")
    assert background(sized) == "rgb(18, 21, 28)"
    open_menu_on_phones(sized)
    sized.get_by_label("Colour scheme").select_option("light")
    sized.wait_for_function("document.documentElement.dataset.theme === 'light'")
    assert {cookie["name"]: cookie["value"] for cookie in sized.context.cookies()}["theme"] == "light"
    sized.goto("/")
    assert background(sized) == "rgb(246, 247, 251)"


def test_phone_menu_opens_and_closes_with_the_keyboard(sized):
    log_in(sized, UserFactory())
    open_menu_on_phones(sized)
    shot(sized, "header_menu_open")
    if sized.size_name == "phone":
        sized.keyboard.press("Escape")
        button = sized.get_by_role("button", name="Menu")
        assert button.get_attribute("aria-expanded") == "false"
        assert sized.evaluate("document.activeElement.dataset.menuButton !== undefined")
        assert not sized.get_by_role("navigation", name="Main").is_visible()


def test_favicon_and_language_applied_on_selection(sized):
    sized.goto("/")
    href = sized.locator('link[rel="icon"]').get_attribute("href")
    assert href.endswith(".svg")
    assert sized.request.get(href).ok
    open_menu_on_phones(sized)
    sized.get_by_label("Interface language").select_option("fr")
    sized.wait_for_function("document.documentElement.lang === 'fr'")


def test_the_language_button_works_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_label("Interface language").select_option("de")
        page.get_by_role("button", name="Change language").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "de"
    finally:
        context.close()


def test_admins_get_a_link_to_the_django_admin(sized):
    UserFactory(username="volunteer")
    admin = UserFactory(role="admin", is_staff=True)
    log_in(sized, admin)
    open_menu_on_phones(sized)
    sized.get_by_role("link", name="Admin", exact=True).click()
    sized.wait_for_url("**/admin/")


def test_volunteers_have_no_admin_link_and_login_has_one_sign_up_link(sized):
    sized.goto("/accounts/login/")
    assert sized.locator('a[href="/accounts/signup/"]').count() == 1
    shot(sized, "login")
    log_in(sized, UserFactory())
    assert sized.get_by_role("link", name="Admin", exact=True).count() == 0


def choose(page, task_type: str) -> str:
    page.goto("/")
    page.locator(f'#task-chooser button[data-task-type="{task_type}"]').click()
    page.wait_for_url("**/tasks/*-*/")
    return page.locator("#task").get_attribute("data-task-id")


def test_review_with_the_keyboard_and_skip_beside_send(sized):
    make_trees_for_every_task_type()
    log_in(sized, UserFactory())
    task_id = choose(sized, "label_assistant_reply")
    names = sized.locator("fieldset[data-label]").evaluate_all("sets => sets.map(s => s.dataset.label)")
    assert names[:3] == ["spam", "fails_task", "quality"]
    send = sized.get_by_role("button", name="Send review")
    skip = sized.locator(".task-actions summary", has_text="Skip this task")
    assert skip.is_visible()
    if sized.size_name == "desktop":
        assert abs(send.bounding_box()["y"] - skip.bounding_box()["y"]) < 10
    sized.locator("#task-title").click()
    for key in ("n", "n", "4"):
        sized.keyboard.press(key)
    assert sized.locator('[data-label="spam"] input[value="0"]').is_checked()
    assert sized.locator('[data-label="fails_task"] input[value="0"]').is_checked()
    assert sized.locator('[data-label="quality"] input[value="0.75"]').is_checked()
    # Keys typed in a text field stay text.
    sized.get_by_label("Comment (optional)").fill("")
    sized.get_by_label("Comment (optional)").press_sequentially("y 5")
    assert sized.get_by_label("Comment (optional)").input_value() == "y 5"
    shot(sized, "review_compact")
    send.click()
    sized.wait_for_function("id => document.querySelector('#task')?.dataset.taskId !== id", arg=task_id)
    review = Review.objects.get()
    values = review.values
    assert (values["spam"], values["fails_task"], values["quality"]) == (0, 0, 0.75)
    assert review.comment == "y 5"


def test_preview_highlights_code_and_links_images(sized):
    make_trees_for_every_task_type()
    log_in(sized, UserFactory())
    choose(sized, "initial_prompt")
    sized.locator("[data-editor]").fill("```python\nprint('hi')\n```\n\n![a cat](https://example.org/cat.png)")
    sized.locator(".preview pre.highlight span.nb").wait_for()
    assert sized.locator(".preview span.nb").evaluate("e => getComputedStyle(e).color") != sized.locator(
        ".preview pre.highlight"
    ).evaluate("e => getComputedStyle(e).color")
    link = sized.locator(".preview a.md-image")
    assert "a cat" in link.inner_text() and link.get_attribute("href") == "https://example.org/cat.png"
    assert sized.locator(".preview img").count() == 0
    shot(sized, "preview_code_dark")
    # Let the draft save finish before the database is emptied.
    sized.locator("[data-draft-status]", has_text="Draft saved").wait_for()


def test_the_report_dialog_has_no_reason_chosen(sized):
    user = UserFactory()
    root = make_prompt(text="A prompt")
    reply = make_reply(root, text="A reply")
    log_in(sized, user)
    sized.goto(f"/trees/{root.tree_id}/")
    sized.locator(f"#msg-{reply.pk}").get_by_role("button", name="Report").click()
    dialog = sized.locator("#report-dialog")
    select = dialog.get_by_label("What is wrong?")
    assert select.input_value() == ""
    shot(sized, "report_dialog")
    dialog.get_by_role("button", name="Send report").click()
    assert select.evaluate("s => !s.validity.valid")
    assert not Report.objects.exists()
    select.select_option("spam")
    dialog.get_by_role("button", name="Send report").click()
    dialog.get_by_text("A moderator will look at this message.").wait_for()
    assert Report.objects.get().report_type == "spam"


def test_every_task_page_fits_the_screen(sized, live_server):
    user = UserFactory()
    make_trees_for_every_task_type()
    log_in_by_cookie(sized.context, live_server, user)
    for task_type in TaskType:
        task = request_task(user=user, lang="en", task_type=task_type)
        sized.goto(f"/tasks/{task.pk}/")
        assert sized.get_by_role("heading", level=1).inner_text() == task_type.label
        assert sized.locator(".task-actions summary", has_text="Skip this task").is_visible()
        assert sized.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(sized, f"task_page_{task_type.value}")
