"""Hostile text in everything a user can write, opened in every page that shows it, in headless Chromium under the
Content-Security-Policy: no payload of tests/hostile_payloads.py runs, no markup of theirs reaches the page, and no
page breaks the policy (each page's own scripts and styles are files).

Seeded once, each page opened once: the payloads call ``window.__xss++`` or ``alert``, counted by a hook installed
before any page script; a ``securitypolicyviolation`` listener collects what the policy refused.
"""

from itertools import cycle
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from accounts.models import Role
from annotation.models import Message, Review, TaskType
from annotation.services.reactions import report_message
from annotation.services.task_handout import request_task, skip_task
from exports.models import ExportJob
from moderation.services.messages import edit_message, hide_message
from moderation.services.trees import halt_tree
from moderation.services.users import add_user_note, ban_user, set_leaderboard_visibility
from stats.services.points import refresh_user_stats
from tests.factories import UserFactory, make_prompt, make_reply, make_trees_for_every_task_type
from tests.hostile_payloads import HIT, PAYLOADS, SHORT_PAYLOADS, in_chunks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOOK = """
window.__xss = 0;
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
# What a page would hold if a payload's markup had reached it: handler attributes, inline scripts, script URLs.
INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (/^(on|hx-on)/i.test(attr.name)) found.push(`${el.tagName} ${attr.name}`);
      if (/^\\s*(javascript|data|vbscript):/i.test(attr.value) && /^(href|src|action|formaction)$/i.test(attr.name))
        found.push(`${el.tagName} ${attr.name}=${attr.value.slice(0, 40)}`);
    }
    if (el.tagName === "SCRIPT" && !el.src && !/json/.test(el.type)) found.push("inline script");
    if (el.tagName === "IFRAME" || el.tagName === "OBJECT" || el.tagName === "EMBED") found.push(el.tagName);
  }
  return found;
}"""


def _seed():
    """Hostile display names, messages, review comments, report reasons, skip notes, moderators' notes and reasons,
    export filters; returns the viewer (an admin) and what the pages are about."""
    names = iter(SHORT_PAYLOADS * 2)
    viewer = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, display_name=next(names))
    authors = [UserFactory(display_name=next(names)) for _ in range(6)]
    # The texts below each hold a payload that calls the hook, so that every page about them has one to show.
    texts = cycle([payload for payload in PAYLOADS if HIT in payload])

    by_type = make_trees_for_every_task_type(author=authors[0])
    for message in Message.objects.all():
        message.text = next(texts)
        message.save(update_fields=["text"])
    # One thread with every payload, from the viewer and the authors in turn.
    thread = [make_prompt(text=PAYLOADS[0], author=authors[1])]
    for number, payload in enumerate(PAYLOADS[1:], start=1):
        thread.append(make_reply(thread[-1], text=payload, author=[viewer, *authors][number % 7]))
    leaf = thread[-1]

    for number, message in enumerate(thread[1:12]):
        Review.objects.create(message=message, reviewer=[viewer, *authors][number % 7], comment=next(texts))
        report_message(user=authors[number % 6], message=message, report_type="other", reason=next(texts))
    reported = thread[1]
    chunks = in_chunks()
    hide_message(moderator=viewer, message=thread[-2], reason=chunks[0])
    edit_message(moderator=viewer, message=thread[2], text=next(texts), reason=next(texts))
    halt_tree(moderator=viewer, tree=by_type["assistant_reply"].tree, reason=next(texts))
    troll = authors[2]
    for chunk in chunks:
        add_user_note(moderator=viewer, user=troll, note=chunk)
    set_leaderboard_visibility(moderator=viewer, user=authors[3], visible=False, reason=next(texts))
    ban_user(moderator=viewer, user=authors[4], reason=chunks[-1])
    for kind, payload in zip(("trees", "messages"), SHORT_PAYLOADS, strict=False):
        # As stored by an API client or an older version: every filter the page lists holds a payload.
        ExportJob.objects.create(
            kind=kind,
            requested_by=viewer,
            filters={
                "states": [payload],
                "langs": [payload],
                "deleted": payload,
                "user_id": payload,
                "date_from": payload,
                "date_to": payload,
                "anonymize_seed": payload,
            },
            error=payload,
        )
    skipped = request_task(user=viewer, lang="en", task_type=TaskType.LABEL_PROMPTER_REPLY)
    skip_task(task=skipped, user=viewer, reason=f"other: {SHORT_PAYLOADS[1]}")
    refresh_user_stats(now=timezone.now())
    return viewer, troll, reported, leaf, skipped


def test_no_payload_runs_and_no_page_breaks_the_policy(page, log_in):
    viewer, troll, reported, leaf, skipped = _seed()
    dialogs, problems = [], []
    page.add_init_script(HOOK)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda m: "Refused to" in m.text and problems.append(f"{page.url}: console: {m.text}"))

    def check(what: str, *, shown: bool = True) -> None:
        result = page.evaluate("() => [window.__xss, window.__violations]")
        injected = page.evaluate(INJECTED)
        if result[0] or result[1] or injected:
            problems.append(f"{what}: ran {result[0]}, policy violations {result[1]}, injected {injected}")
        if shown and HIT not in page.content():  # the page holds payloads (as text), or it proves nothing
            problems.append(f"{what}: no payload shown")

    def visit(url: str, *, shown: bool = True) -> None:
        page.goto(url)
        check(url, shown=shown)

    for url in ["/", "/accounts/signup/", "/accounts/password/reset/"]:  # a visitor's; the log-in opens the login page
        visit(url, shown=False)
    log_in(viewer)
    check("login")
    hostile_query = SHORT_PAYLOADS[1]
    for url in [
        "/",
        "/leaderboard/",
        "/profile/",
        f"/trees/{leaf.tree_id}/",
        f"/messages/{leaf.pk}/",
        "/browse/",
        "/browse/?" + urlencode({"q": hostile_query, "lang": hostile_query}),
        "/my/work/",
        "/my/work/?kind=reviews",
        "/my/work/?" + urlencode({"q": hostile_query, "kind": hostile_query}),
        "/moderation/queue/",
        "/moderation/queue/?" + urlencode({"language": hostile_query, "kind": hostile_query}),
        f"/moderation/queue/{reported.pk}/reviews/",
        f"/moderation/queue/{reported.pk}/edit/",
        "/moderation/audit/",
        "/moderation/trollboard/",
        f"/moderation/users/{troll.pk}/",
        "/datasets/?all=1",
        f"/admin/accounts/user/{troll.pk}/change/",
        f"/admin/annotation/task/{skipped.pk}/change/",
    ]:
        visit(url)
    for url in ["/stats/", "/datasets/releases/", "/api/docs/"]:  # no user's text, the policy still
        visit(url, shown=False)
    page.locator(".opblock").first.wait_for()  # Swagger UI built its page from its (external) script
    check("api docs, rendered", shown=False)

    # The export form sent back with hostile values: shown again with its errors.
    page.goto("/datasets/")
    page.locator("#id_langs").fill(hostile_query)
    page.locator("#id_anonymize_seed").fill(hostile_query)
    with page.expect_navigation() as posted:
        page.locator("#id_langs").evaluate("field => field.form.requestSubmit()")
    assert posted.value.status == 422
    check("export form with errors")

    # A task of every kind (the seed skipped the other one): each shows hostile messages but the initial prompt's;
    # a reply is written with every payload and previewed.
    for task_type in [t for t in TaskType.values if t != TaskType.LABEL_PROMPTER_REPLY]:
        task = request_task(user=viewer, lang="en", task_type=task_type)
        visit(f"/tasks/{task.pk}/", shown=task_type != TaskType.INITIAL_PROMPT)
        if task_type == TaskType.ASSISTANT_REPLY:
            page.locator("textarea[data-editor]").fill("\n\n".join(PAYLOADS))
            page.locator(".preview .msg-text").wait_for()
            check("markdown preview")
        skip_task(task=task, user=viewer, reason=f"other: {hostile_query}")
    assert problems == [] and dialogs == []
