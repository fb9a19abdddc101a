"""Admin pages for the annotation data; foreign keys are raw ids so pages stay fast on large tables."""

from django.contrib import admin

from annotation.models import (
    Draft,
    EmojiReaction,
    Message,
    MessageRevision,
    MessageTree,
    Ranking,
    Report,
    Review,
    Task,
    ToxicityScore,
)


@admin.register(MessageTree)
class MessageTreeAdmin(admin.ModelAdmin):
    list_display = ("id", "state", "lang", "origin", "created_at", "activated_at", "state_changed_at")
    list_filter = ("state", "lang", "origin")
    search_fields = ("id",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    # The platform moves trees; moderators halt and resume them through the moderation actions.
    readonly_fields = ("state", "state_before_halt", "state_changed_at", "activated_at")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "role", "lang", "depth", "review_count", "review_result", "rank", "deleted", "created_at")
    list_filter = ("role", "lang", "review_result", "deleted", "synthetic")
    search_fields = ("id", "text")
    raw_id_fields = ("tree", "parent", "author")
    # Computed by the platform; hiding and restoring go through the moderation actions.
    readonly_fields = (
        "review_count",
        "review_result",
        "rank",
        "ranking_count",
        "children_count",
        "reply_claims",
        "review_claims",
        "ranking_claims",
        "emojis",
        "labels",
        "deleted",
        "edited_at",
    )
    show_full_result_count = False


@admin.register(MessageRevision)
class MessageRevisionAdmin(admin.ModelAdmin):
    list_display = ("message", "edited_by", "created_at")
    raw_id_fields = ("message", "edited_by")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "state", "lang", "user", "created_at", "expires_at", "closed_at")
    list_filter = ("state", "type", "lang")
    search_fields = ("id", "user__username", "skip_reason")
    raw_id_fields = ("user", "tree", "parent_message", "message", "result_message")
    show_full_result_count = False


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ("user", "task_type", "updated_at")
    list_filter = ("task_type",)
    raw_id_fields = ("user", "task", "parent_message")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("message", "reviewer", "full", "created_at")
    list_filter = ("full",)
    raw_id_fields = ("message", "reviewer", "task")
    show_full_result_count = False


@admin.register(Ranking)
class RankingAdmin(admin.ModelAdmin):
    list_display = ("parent", "user", "not_rankable", "created_at")
    list_filter = ("not_rankable",)
    raw_id_fields = ("parent", "tree", "user", "task")


@admin.register(EmojiReaction)
class EmojiReactionAdmin(admin.ModelAdmin):
    list_display = ("message", "user", "emoji", "created_at")
    list_filter = ("emoji",)
    raw_id_fields = ("message", "user")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("message", "user", "report_type", "created_at", "resolved_at")
    list_filter = ("report_type",)
    search_fields = ("reason",)
    raw_id_fields = ("message", "user", "resolved_by")


@admin.register(ToxicityScore)
class ToxicityScoreAdmin(admin.ModelAdmin):
    list_display = ("message", "model_name", "created_at")
    list_filter = ("model_name",)
    raw_id_fields = ("message",)
