"""The moderators' page of one user: who they are, what they wrote and drew, and ban, unban, notes, leaderboard
visibility and purge."""

from collections.abc import Callable
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import TimeFrame, User
from accounts.policies import can_see_email
from core.errors import DomainError, NotFound
from moderation.decorators import moderator_required
from moderation.forms import PurgeForm, ReasonForm, UserNoteForm
from moderation.selectors.audit_log import audit_log
from moderation.selectors.moderated import moderated_user
from moderation.selectors.trollboard import troll_row
from moderation.selectors.users import messages_by_ids, recent_messages, reports_received, reviews_given
from moderation.services.purge import PurgePlan, purge_preview, purge_user
from moderation.services.users import add_user_note, ban_user, set_leaderboard_visibility, unban_user

UNPROCESSABLE = 422
AUDIT_ROWS = 50
PANEL_TEMPLATE = "moderation/partials/user_moderation.html"


def _panel_context(user: User, **extra) -> dict:
    """What the moderation panel shows: state, action forms, notes and the audit rows about the user."""
    context = {
        "subject": user,
        "reason_form": ReasonForm(),
        "note_form": UserNoteForm(),
        "leaderboard_form": ReasonForm(auto_id="id_leaderboard_%s"),
        "purge_form": PurgeForm(auto_id="id_purge_%s"),
        "actions": list(audit_log(target_user=user)[:AUDIT_ROWS]),
        "plan": None,
        "outcome": None,
        "error": None,
    }
    context.update(extra)
    return context


def _render_panel(request: HttpRequest, user: User, *, error: str | None = None, **extra) -> HttpResponse:
    context = _panel_context(user, error=error, **extra)
    template = PANEL_TEMPLATE
    if not request.htmx:
        context.update(_page_context(request, user))
        template = "moderation/user.html"
    return render(request, template, context, status=UNPROCESSABLE if error else 200)


def _page_context(request: HttpRequest, user: User) -> dict:
    return {
        "email": user.email if can_see_email(request.user, user) else None,
        "messages_written": recent_messages(user=user),
        "reviews": reviews_given(user=user),
        "reports": reports_received(user=user),
        "troll": troll_row(user=user, time_frame=TimeFrame.TOTAL),
    }


def _subject(user_id: UUID) -> User:
    try:
        return moderated_user(user_id=user_id)
    except NotFound as error:
        raise Http404 from error


@moderator_required
@require_GET
def user_page(request: HttpRequest, user_id: UUID) -> HttpResponse:
    user = _subject(user_id)
    context = _panel_context(user)
    context.update(_page_context(request, user))
    return render(request, "moderation/user.html", context)


def _reason(request: HttpRequest) -> str:
    form = ReasonForm(request.POST)
    form.is_valid()  # optional text; what it may hold is the service's rule (audit.check_reason)
    return form.cleaned_data.get("reason", "")


def _act(request: HttpRequest, user_id: UUID, call: Callable[[User], User], outcome: str) -> HttpResponse:
    """Run one service on the user and redraw the moderation panel with its outcome or its refusal."""
    user = _subject(user_id)
    try:
        user = call(user)
    except DomainError as error:
        return _render_panel(request, user, error=error.message)
    return _render_panel(request, user, outcome=outcome)


@moderator_required
@require_POST
def user_ban(request: HttpRequest, user_id: UUID) -> HttpResponse:
    reason = _reason(request)
    return _act(
        request,
        user_id,
        lambda user: ban_user(moderator=request.user, user=user, reason=reason),
        _("The user is banned."),
    )


@moderator_required
@require_POST
def user_unban(request: HttpRequest, user_id: UUID) -> HttpResponse:
    reason = _reason(request)
    return _act(
        request,
        user_id,
        lambda user: unban_user(moderator=request.user, user=user, reason=reason),
        _("The user is no longer banned."),
    )


@moderator_required
@require_POST
def user_note(request: HttpRequest, user_id: UUID) -> HttpResponse:
    form = UserNoteForm(request.POST)
    form.is_valid()  # as _reason
    note = form.cleaned_data.get("note", "")
    return _act(
        request,
        user_id,
        lambda user: add_user_note(moderator=request.user, user=user, note=note),
        _("The note is added."),
    )


@moderator_required
@require_POST
def user_leaderboard_visibility(request: HttpRequest, user_id: UUID) -> HttpResponse:
    visible, reason = request.POST.get("visible") == "1", _reason(request)
    shown, hidden = _("The user is shown on the leaderboard."), _("The user is hidden from the leaderboard.")
    outcome = shown if visible else hidden
    return _act(
        request,
        user_id,
        lambda user: set_leaderboard_visibility(moderator=request.user, user=user, visible=visible, reason=reason),
        outcome,
    )


def _plan_context(plan: PurgePlan) -> dict:
    """The preview: what would be hidden, and the confirmation form that carries exactly those ids."""
    purge_form = PurgeForm(auto_id="id_purge_%s", initial={"message_ids": " ".join(map(str, plan.message_ids))})
    return {
        "plan": plan,
        "plan_messages": list(messages_by_ids(message_ids=plan.message_ids)),
        "purge_form": purge_form,
    }


@moderator_required
@require_POST
def user_purge_preview(request: HttpRequest, user_id: UUID) -> HttpResponse:
    user = _subject(user_id)
    return _render_panel(request, user, **_plan_context(purge_preview(user=user)))


@moderator_required
@require_POST
def user_purge(request: HttpRequest, user_id: UUID) -> HttpResponse:
    user = _subject(user_id)
    form = PurgeForm(request.POST)
    if not form.is_valid():
        return _render_panel(request, user, error=_("Preview the purge again."))
    try:
        plan = purge_user(
            moderator=request.user,
            user=user,
            reason=form.cleaned_data["reason"],
            expected_message_ids=form.cleaned_data["message_ids"],
        )
    except DomainError as error:
        return _render_panel(request, user, error=error.message, **_plan_context(purge_preview(user=user)))
    outcome = _("Messages hidden: %(messages)d. Trees re-checked: %(trees)d.") % {
        "messages": len(plan.message_ids),
        "trees": len(plan.tree_ids),
    }
    return _render_panel(request, user, outcome=outcome)
