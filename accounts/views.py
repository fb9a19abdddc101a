"""Pages of the accounts app: terms, profile, API token, account deletion."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.context_processors import THEME_COOKIE
from accounts.forms import DeleteAccountForm, ProfileForm, TermsForm
from accounts.models import PersonalToken, Theme
from accounts.services.profile import accept_terms, delete_account, set_theme, update_profile
from accounts.services.roles import request_researcher_role
from accounts.services.tokens import issue_personal_token
from core.errors import DomainError


def terms(request: HttpRequest) -> HttpResponse:
    """The terms of service; a logged-in user who has not accepted them yet can do so here."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = TermsForm(request.POST or None)
    if request.method == "POST" and request.user.is_authenticated and form.is_valid():
        accept_terms(user=request.user)
        messages.success(request, _("Thank you! You can now start with your first task."))
        return redirect(next_url or "dashboard")
    return render(request, "accounts/terms.html", {"form": form, "next": next_url})


def _profile_form(request: HttpRequest, data: object = None) -> ProfileForm:
    user = request.user
    initial = {
        "display_name": user.display_name,
        "languages": user.languages,
        "show_on_leaderboard": user.show_on_leaderboard,
    }
    return ProfileForm(data, initial=initial)


def _render_profile(request: HttpRequest, form: ProfileForm, new_token: str = "") -> HttpResponse:
    token = PersonalToken.objects.filter(user=request.user).only("created_at").first()
    context = {"form": form, "token": token, "new_token": new_token}
    return render(request, "accounts/profile.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = _profile_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            update_profile(user=user, **form.cleaned_data)
        except DomainError as error:
            field = error.details.get("field")
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("profile")
    return _render_profile(request, form)


@never_cache
@login_required
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    """A new personal token, shown on this answer only (not redirected to: no copy in a later page or cookie)."""
    token = issue_personal_token(user=request.user)
    return _render_profile(request, _profile_form(request), new_token=token)


@login_required
@require_POST
def researcher_request(request: HttpRequest) -> HttpResponse:
    request_researcher_role(user=request.user)
    messages.success(request, _("Your request is recorded; a moderator or an admin will look at it."))
    return redirect("profile")


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        delete_account(user=request.user)
        logout(request)
        messages.success(request, _("Your account has been deleted. Thank you for your contributions."))
        return redirect("dashboard")
    return render(request, "accounts/account_delete.html", {"form": form})


@require_POST
def theme(request: HttpRequest) -> HttpResponse:
    """Choose the colour scheme: kept on the account, or in a cookie for a visitor."""
    choice = request.POST.get("theme", "")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if choice not in Theme.values:
        return HttpResponseBadRequest(_("Unknown colour scheme."))
    response = redirect(next_url)
    if request.user.is_authenticated:
        set_theme(user=request.user, theme=choice)
    elif choice:
        response.set_cookie(THEME_COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie(THEME_COOKIE)
    return response
