from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework.authtoken.models import TokenProxy

from accounts.display_names import check_display_name
from accounts.models import ApiClient, Role, User, UserStats
from accounts.services.roles import grant_researcher_role
from accounts.services.tokens import rotate_api_client_token
from core.errors import DomainError


class ResearcherRequestFilter(admin.SimpleListFilter):
    """The volunteers waiting for an answer to their request for the researcher role."""

    title = _("researcher role requested")
    parameter_name = "researcher_request"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("pending", _("Waiting")), ("none", _("Not asked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() == "pending":
            return queryset.filter(researcher_requested_at__isnull=False, role=Role.VOLUNTEER)
        if self.value() == "none":
            return queryset.filter(researcher_requested_at__isnull=True)
        return queryset


class UserChangeForm(DjangoUserChangeForm):
    """A changed display name follows accounts.display_names; one that is left as it was is kept."""

    class Meta(DjangoUserChangeForm.Meta):
        model = User

    def clean_display_name(self) -> str:
        try:
            return check_display_name(self.cleaned_data.get("display_name", ""), user=self.instance)
        except DomainError as error:
            raise ValidationError(error.message, code=error.code) from error


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    list_display = (
        "username",
        "display_name",
        "email",
        "role",
        "enabled",
        "show_on_leaderboard",
        "researcher_requested_at",
        "date_joined",
    )
    list_filter = ("role", ResearcherRequestFilter, "enabled", "show_on_leaderboard", "is_placeholder", "is_staff")
    actions = ("grant_researcher",)
    search_fields = ("username", "display_name", "email", "external_id")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("Volunteer"),
            {
                "fields": (
                    "display_name",
                    "languages",
                    "role",
                    "researcher_requested_at",
                    "enabled",
                    "notes",
                    "show_on_leaderboard",
                    "tos_accepted_at",
                    "is_placeholder",
                    "api_client",
                    "external_id",
                )
            },
        ),
        (_("Streak"), {"fields": ("streak_days", "streak_started_at", "last_activity_at")}),
    )
    # A ban goes through the moderation action, which also releases the user's tasks and is recorded.
    readonly_fields = ("enabled", "streak_days", "streak_started_at", "last_activity_at")

    @admin.action(description=_("Grant the researcher role (dataset downloads)"))
    def grant_researcher(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        granted = 0
        for user in queryset:
            try:
                grant_researcher_role(actor=request.user, user=user)
            except DomainError as error:
                self.message_user(request, f"{user}: {error.message}", messages.ERROR)
            else:
                granted += 1
        if granted:
            message = ngettext(
                "%(count)d user is now a researcher.", "%(count)d users are now researchers.", granted
            ) % {"count": granted}
            self.message_user(request, message)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """A client's token is shown once, on the page that answers its creation or a new token; only its hash is
    kept, and not shown either."""

    list_display = ("name", "enabled", "created_at")
    fields = ("name", "enabled")
    actions = ("rotate_token",)

    def save_model(self, request: HttpRequest, obj: ApiClient, form: object, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            request.new_api_tokens = [(obj, rotate_api_client_token(client=obj))]

    def response_add(self, request: HttpRequest, obj: ApiClient, post_url_continue: str | None = None) -> HttpResponse:
        return self._show_tokens(request, request.new_api_tokens)

    @admin.action(description=_("Give the selected clients a new token (the old one stops working)"))
    def rotate_token(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> HttpResponse:
        return self._show_tokens(request, [(client, rotate_api_client_token(client=client)) for client in queryset])

    def _show_tokens(self, request: HttpRequest, tokens: list[tuple[ApiClient, str]]) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, "tokens": tokens}
        response = TemplateResponse(request, "admin/accounts/apiclient/tokens.html", context)
        add_never_cache_headers(response)
        return response


@admin.register(UserStats)
class UserStatsAdmin(admin.ModelAdmin):
    list_display = ("user", "time_frame", "leader_score", "rank", "modified_at")
    list_filter = ("time_frame",)
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user",)
    # Refreshed by the leaderboard job.
    readonly_fields = tuple(
        field.name for field in UserStats._meta.concrete_fields if field.name not in ("id", "user", "time_frame")
    )


# Personal tokens are accounts.PersonalToken, kept hashed; DRF's table of clear tokens is no longer used.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
