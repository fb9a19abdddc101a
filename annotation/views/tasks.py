"""Task pages: choose a task, do it, skip it; drafts, lease renewal and the markdown preview."""

from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import volunteer_required
from accounts.languages import task_language
from annotation.forms import RankingForm, ReplyForm, ReviewForm, SkipForm
from annotation.guidelines import guideline_for
from annotation.models import Task, TaskState, TaskType
from annotation.selectors.task_intro import shows_task_intro
from annotation.selectors.tasks import chooser_context, task_messages
from annotation.services.drafts import draft_for, save_draft
from annotation.services.submissions import submit_ranking, submit_review, submit_text
from annotation.services.task_handout import (
    acknowledge_task,
    release_open_tasks,
    release_task,
    renew_task,
    request_task,
    skip_task,
)
from annotation.services.task_intro import dismiss_task_intro
from annotation.task_kinds import TaskKind, task_kind
from core.errors import DomainError, InvalidInput

TASK_PAGE = "annotation/task_page.html"
TASK_PARTIAL = "annotation/partials/task.html"
CLOSED_PAGE = "annotation/task_closed_page.html"
CLOSED_PARTIAL = "annotation/partials/task_closed.html"
NO_TASK_PAGE = "annotation/no_task_page.html"
NO_TASK_PARTIAL = "annotation/partials/no_task.html"
CHOOSER_PARTIAL = "annotation/partials/task_chooser_body.html"
# Form errors are sent with this status; tasks.js lets htmx swap them in.
UNPROCESSABLE = 422


def _is_live(task: Task) -> bool:
    return task.state == TaskState.OPEN and task.expires_at > timezone.now()


def _ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def _bound_form(task: Task, data=None):
    kind = task_kind(task.type)
    if kind == TaskKind.REVIEW:
        return ReviewForm(data, label_names=task.payload.get("label_names", []))
    if kind == TaskKind.RANKING:
        return RankingForm(data)
    return ReplyForm(data)


def _task_context(request: HttpRequest, task: Task, *, form=None, skip_form=None, done_task_id=None) -> dict:
    thread, replies = task_messages(task=task)
    kind = task_kind(task.type)
    context = {
        "task": task,
        # The task just sent: its acknowledgement (the stats app's) is loaded at the top of this one.
        "done_task_id": done_task_id,
        "kind": kind,
        "guideline": guideline_for(task.type),
        "thread": thread,
        "replies": replies,
        "skip_form": skip_form or SkipForm(),
        "seconds_left": max(0, int((task.expires_at - timezone.now()).total_seconds())),
    }
    if kind.writes_text:
        if form is None:
            draft = draft_for(user=request.user, task=task)
            form = ReplyForm(initial={"text": draft.text if draft else "", "lang": task.lang})
            context["text_saved_at"] = _ms(draft.updated_at) if draft else 0
        else:
            context["text_saved_at"] = _ms(timezone.now())
        context["max_length"] = settings.TREE_MANAGER.max_text_length
        context["languages"] = request.user.languages or [task.lang]
    elif kind == TaskKind.RANKING and form is not None:
        # Shown again after an error: in the order the volunteer had put them.
        position = {pk: i for i, pk in enumerate(form.data.getlist("ranking"))}
        replies.sort(key=lambda message: position.get(str(message.pk), len(position)))
    context["form"] = form or _bound_form(task)
    return context


def _render_task(request: HttpRequest, task: Task, *, status: int = 200, **kwargs) -> HttpResponse:
    context = _task_context(request, task, **kwargs)
    if request.htmx:
        return render(request, TASK_PARTIAL, context, status=status)
    # The first-task walkthrough, on a full page only: a task swapped in after another needs none.
    context["show_intro"] = shows_task_intro(user=request.user)
    return render(request, TASK_PAGE, context, status=status)


def _render_closed(request: HttpRequest, task: Task, *, error: DomainError | None = None, text: str | None = None):
    if text is None:
        draft = draft_for(user=request.user, task=task)
        text = draft.text if draft else ""
    context = {"task": task, "kind": task_kind(task.type), "error": error, "text": text}
    template = CLOSED_PARTIAL if request.htmx else CLOSED_PAGE
    return render(request, template, context, status=UNPROCESSABLE if error else 200)


def _render_no_task(request: HttpRequest, error: DomainError, lang: str, done_task_id=None) -> HttpResponse:
    context = {"error": error, "lang": lang, "done_task_id": done_task_id}
    if request.htmx:
        response = render(request, NO_TASK_PARTIAL, context)
        response["HX-Push-Url"] = "false"
        return response
    return render(request, NO_TASK_PAGE, context, status=error.http_status)


DONE_TASK_SESSION_KEY = "done_task_id"


def _next_task(request: HttpRequest, *, lang: str, done_task_id=None) -> HttpResponse:
    """Hand out the next task of the kind the volunteer chose last; htmx swaps it in and updates the URL.

    With ``done_task_id`` (a task just sent) the next one opens with that task's acknowledgement.
    """
    task_type = request.session.get("task_type") or None
    try:
        task = request_task(user=request.user, lang=lang, task_type=task_type)
    except DomainError as error:
        return _render_no_task(request, error, lang, done_task_id=done_task_id)
    url = reverse("annotation:task_detail", args=[task.pk])
    if not request.htmx:
        if done_task_id:
            request.session[DONE_TASK_SESSION_KEY] = str(done_task_id)
        return redirect(url)
    if task.acknowledged_at is None:
        # Shown right here, in place of the task just done.
        task = acknowledge_task(task=task, user=request.user)
    response = _render_task(request, task, done_task_id=done_task_id)
    response["HX-Push-Url"] = url
    return response


def _own_task(request: HttpRequest, task_id: UUID) -> Task:
    return get_object_or_404(Task, pk=task_id, user=request.user)


@volunteer_required
@require_GET
def task_chooser(request: HttpRequest) -> HttpResponse:
    """The chooser's body for another language (the dashboard's language picker swaps it in)."""
    context = chooser_context(user=request.user, lang=request.GET.get("lang"))
    request.session["task_lang"] = context["lang"]
    return render(request, CHOOSER_PARTIAL, context)


def _render_chooser(request: HttpRequest) -> HttpResponse:
    """The chooser's body after a change to the open tasks (htmx), or the dashboard it lives on."""
    if not request.htmx:
        return redirect("dashboard")
    lang = request.POST.get("lang") or request.session.get("task_lang")
    return render(request, CHOOSER_PARTIAL, chooser_context(user=request.user, lang=lang))


@volunteer_required
@require_POST
def task_release_all(request: HttpRequest) -> HttpResponse:
    """Give back every open task (their slots are freed, nothing counts as skipped)."""
    release_open_tasks(user=request.user)
    return _render_chooser(request)


@volunteer_required
@require_POST
def task_release(request: HttpRequest, task_id: UUID) -> HttpResponse:
    """Give back one open task."""
    release_task(task=_own_task(request, task_id), user=request.user)
    return _render_chooser(request)


@volunteer_required
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest) -> HttpResponse:
    """Hand out a task (of the chosen type, or any) in the chosen language and go to it."""
    data = request.POST if request.method == "POST" else request.GET
    lang = task_language(request.user, data.get("lang"))
    request.session["task_lang"] = lang
    request.session["task_type"] = data.get("type", "")
    try:
        task = request_task(user=request.user, lang=lang, task_type=data.get("type") or None)
    except DomainError as error:
        return _render_no_task(request, error, lang)
    return redirect("annotation:task_detail", task.pk)


@volunteer_required
@require_GET
def task_detail(request: HttpRequest, task_id: UUID) -> HttpResponse:
    task = _own_task(request, task_id)
    if not _is_live(task):
        return _render_closed(request, task)
    if task.acknowledged_at is None:
        try:
            task = acknowledge_task(task=task, user=request.user)
        except DomainError as error:
            task.refresh_from_db()
            return _render_closed(request, task, error=error)
    return _render_task(request, task, done_task_id=request.session.pop(DONE_TASK_SESSION_KEY, None))


def _add_service_error(form, error: DomainError) -> None:
    """A service's refusal on the form: next to the fields it names (missing labels), else above them."""
    fields = [name for name in error.details.get("missing", ()) if name in form.fields]
    for name in fields:
        form.add_error(name, error.message)
    if not fields:
        form.add_error(None, error.message)


@volunteer_required
@require_POST
def task_submit(request: HttpRequest, task_id: UUID) -> HttpResponse:
    task = _own_task(request, task_id)
    form = _bound_form(task, request.POST)
    if not form.is_valid():
        return _render_task(request, task, form=form, status=UNPROCESSABLE)
    try:
        if isinstance(form, ReplyForm):
            lang = form.cleaned_data["lang"] if task.type == TaskType.INITIAL_PROMPT else None
            submit_text(task=task, user=request.user, text=form.cleaned_data["text"], lang=lang or None)
        elif isinstance(form, ReviewForm):
            submit_review(task=task, user=request.user, values=form.values(), comment=form.cleaned_data["comment"])
        else:
            submit_ranking(
                task=task,
                user=request.user,
                ranking=form.cleaned_data["ranking"],
                not_rankable=form.cleaned_data["not_rankable"],
            )
    except DomainError as error:
        task.refresh_from_db()
        if not _is_live(task) and task.state != TaskState.DONE:
            # The claim is gone; a text was kept as a draft by the service and is shown for copying.
            return _render_closed(request, task, error=error, text=form.cleaned_data.get("text"))
        _add_service_error(form, error)
        return _render_task(request, task, form=form, status=UNPROCESSABLE)
    return _next_task(request, lang=task.lang, done_task_id=task.pk)


@volunteer_required
@require_POST
def task_skip(request: HttpRequest, task_id: UUID) -> HttpResponse:
    task = _own_task(request, task_id)
    skip_form = SkipForm(request.POST)
    if not skip_form.is_valid():
        return _render_task(request, task, skip_form=skip_form, status=UNPROCESSABLE)
    try:
        skip_task(task=task, user=request.user, reason=skip_form.reason_text())
    except InvalidInput as error:
        skip_form.add_error(None, error.message)
        return _render_task(request, task, skip_form=skip_form, status=UNPROCESSABLE)
    except DomainError as error:
        return _render_closed(request, task, error=error)
    return _next_task(request, lang=task.lang)


def _error_json(error: DomainError) -> JsonResponse:
    return JsonResponse({"error_code": error.code, "message": error.message}, status=error.http_status)


@volunteer_required
@require_POST
def task_renew(request: HttpRequest, task_id: UUID) -> JsonResponse:
    """Extend the claim while the page is open (called by tasks.js well before it runs out)."""
    task = _own_task(request, task_id)
    try:
        task = renew_task(task=task, user=request.user)
    except DomainError as error:
        return _error_json(error)
    return JsonResponse({"seconds_left": max(0, int((task.expires_at - timezone.now()).total_seconds()))})


@volunteer_required
@require_POST
def task_draft(request: HttpRequest, task_id: UUID) -> JsonResponse:
    """Store the text typed so far (called by tasks.js a few seconds after typing)."""
    task = _own_task(request, task_id)
    try:
        draft = save_draft(user=request.user, task=task, text=request.POST.get("text", ""))
    except DomainError as error:
        return _error_json(error)
    return JsonResponse({"saved_at": _ms(draft.updated_at)})


@volunteer_required
@require_POST
def task_intro_dismiss(request: HttpRequest) -> HttpResponse:
    """Close the first-task walkthrough for good; htmx removes it, a plain form comes back to the page."""
    dismiss_task_intro(user=request.user)
    if request.htmx:
        return HttpResponse("")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("dashboard")
    return redirect(next_url)


@volunteer_required
@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    return render(request, "annotation/partials/markdown_preview.html", {"text": request.POST.get("text", "")})
