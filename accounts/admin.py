from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiClient, User, UserStats


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "email", "role", "enabled", "show_on_leaderboard", "date_joined")
    list_filter = ("role", "enabled", "show_on_leaderboard", "is_placeholder", "is_staff")
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


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled", "created_at")
    readonly_fields = ("token_hash", "created_at")


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
