from django.contrib import admin

from moderation.models import ModerationAction


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ("kind", "moderator", "target_user", "tree", "message", "created_at")
    list_filter = ("kind",)
    search_fields = ("reason",)
    raw_id_fields = ("moderator", "message", "tree", "target_user")
