"""The conversation viewer: a whole tree, one thread, and what volunteers do to a message there."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import volunteer_required
from annotation.forms import EditMessageForm, ReportForm
from annotation.models import Message
from annotation.policies import can_edit_message
from annotation.selectors.threads import thread_view, tree_view, visible_message
from annotation.services.reactions import edit_own_message, report_message, set_emoji
from core.errors import DomainError

UNPROCESSABLE = 422


def _message_or_404(request: HttpRequest, message_id: UUID) -> Message:
    try:
        return visible_message(message_id=message_id, viewer=request.user)
    except DomainError as error:
        raise Http404 from error


def _focus(request: HttpRequest) -> UUID | None:
    """The message a link to the tree points at (``?message=``), whose branch is shown unfolded."""
    try:
        return UUID(request.GET.get("message", ""))
    except ValueError:
        return None


@volunteer_required
@require_GET
def tree_detail(request: HttpRequest, tree_id: UUID) -> HttpResponse:
    try:
        tree, root = tree_view(tree_id=tree_id, viewer=request.user, focus=_focus(request))
    except DomainError as error:
        raise Http404 from error
    return render(request, "annotation/tree.html", {"tree": tree, "root": root})


@volunteer_required
@require_GET
def message_detail(request: HttpRequest, message_id: UUID) -> HttpResponse:
    try:
        thread, children = thread_view(message_id=message_id, viewer=request.user)
    except DomainError as error:
        raise Http404 from error
    return render(request, "annotation/thread.html", {"thread": thread, "message": thread[-1], "children": children})


@volunteer_required
@require_GET
def message_card(request: HttpRequest, message_id: UUID) -> HttpResponse:
    message = _message_or_404(request, message_id)
    return render(request, "annotation/partials/message_card.html", {"message": message, "actions": True})


@volunteer_required
@require_POST
def message_react(request: HttpRequest, message_id: UUID) -> HttpResponse:
    """Toggle one emoji; answers with the message's emoji bar, counts updated."""
    message = _message_or_404(request, message_id)
    error = None
    try:
        set_emoji(
            user=request.user, message=message, emoji=request.POST.get("emoji", ""), on=request.POST.get("on") == "1"
        )
    except DomainError as exc:
        error = exc
    message = _message_or_404(request, message_id)
    return render(
        request,
        "annotation/partials/reactions_bar.html",
        {"message": message, "reaction_error": error},
        status=UNPROCESSABLE if error else 200,
    )


@volunteer_required
@require_http_methods(["GET", "POST"])
def message_report(request: HttpRequest, message_id: UUID) -> HttpResponse:
    """The report form (shown in a dialog) and its submission."""
    message = _message_or_404(request, message_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_message(
                user=request.user,
                message=message,
                report_type=form.cleaned_data["report_type"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return render(request, "annotation/partials/report_done.html", {"message": message})
    status = UNPROCESSABLE if form.is_bound else 200
    return render(request, "annotation/partials/report_form.html", {"message": message, "form": form}, status=status)


@volunteer_required
@require_http_methods(["GET", "POST"])
def message_edit(request: HttpRequest, message_id: UUID) -> HttpResponse:
    """The inline editor of one's own message, while nobody has reviewed it."""
    message = _message_or_404(request, message_id)
    form = EditMessageForm(request.POST or None, initial={"text": message.text})
    if request.method == "POST" and form.is_valid():
        try:
            message = edit_own_message(user=request.user, message=message, text=form.cleaned_data["text"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            message = _message_or_404(request, message_id)
            return render(request, "annotation/partials/message_card.html", {"message": message, "actions": True})
    elif request.method == "GET" and not can_edit_message(request.user, message):
        raise PermissionDenied
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "annotation/partials/message_edit.html", {"message": message, "form": form}, status=status)
