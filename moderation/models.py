"""The record of every moderator action (SPEC 5)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModerationAction(models.Model):
    class Kind(models.TextChoices):
        DISMISS_FLAG = "dismiss_flag", _("Dismiss flag")
        HIDE_MESSAGE = "hide_message", _("Hide message")
        RESTORE_MESSAGE = "restore_message", _("Restore message")
        EDIT_MESSAGE = "edit_message", _("Edit message")
        HALT_TREE = "halt_tree", _("Halt tree")
        RESUME_TREE = "resume_tree", _("Resume tree")
        BAN_USER = "ban_user", _("Ban user")
        UNBAN_USER = "unban_user", _("Unban user")
        PURGE_USER = "purge_user", _("Purge user")
        NOTE_USER = "note_user", _("Note on user")
        LEADERBOARD_VISIBILITY = "leaderboard_visibility", _("Leaderboard visibility")
        AUTO = "auto", _("Automatic moderation")

    # None for actions taken by the platform itself (auto-moderation).
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    reason = models.TextField(blank=True)
    message = models.ForeignKey(
        "annotation.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tree = models.ForeignKey(
        "annotation.MessageTree", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
