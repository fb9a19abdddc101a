"""Admin pages of moderation: the audit log, and the moderator actions on messages, trees and users.

The actions call the same services as the moderation pages, so they are checked and recorded alike. They are
added here to the ModelAdmins of annotation and accounts (which may not import moderation) by registering
subclasses in their place.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.admin import UserAdmin
from accounts.models import User
from annotation.admin import MessageAdmin, MessageTreeAdmin
from annotation.models import Message, MessageTree
from core.errors import DomainError
from moderation.models import ModerationAction
from moderation.services import messages as message_actions
from moderation.services import trees as tree_actions
from moderation.services import users as user_actions


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ("kind", "moderator", "target_user", "tree", "message", "created_at")
    list_filter = ("kind",)
    search_fields = ("reason",)
    raw_id_fields = ("moderator", "message", "tree", "target_user")

    # The audit log is written by the services only.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ModerationAction | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ModerationAction | None = None) -> bool:
        return False


def _apply(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    act: Callable[[Model, str], object],
) -> None:
    """Run one service per selected row; each refusal is shown, the rest go ahead."""
    reason = _("Through the admin site.")
    done = 0
    for obj in queryset:
        try:
            act(obj, reason)
        except DomainError as error:
            model_admin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(
            request, ngettext("%(count)d item done.", "%(count)d items done.", done) % {"count": done}
        )


admin.site.unregister(Message)
admin.site.unregister(MessageTree)
admin.site.unregister(User)


@admin.register(Message)
class ModeratedMessageAdmin(MessageAdmin):
    actions = ("hide_messages", "restore_messages")

    @admin.action(description=gettext_lazy("Hide the selected messages (with their replies)"))
    def hide_messages(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        _apply(
            self,
            request,
            queryset.order_by("depth"),
            lambda m, reason: message_actions.hide_message(moderator=request.user, message=m, reason=reason),
        )

    @admin.action(description=gettext_lazy("Restore the selected messages (with their ancestors)"))
    def restore_messages(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        _apply(
            self,
            request,
            queryset.order_by("-depth"),
            lambda m, reason: message_actions.restore_message(moderator=request.user, message=m, reason=reason),
        )


@admin.register(MessageTree)
class ModeratedMessageTreeAdmin(MessageTreeAdmin):
    actions = ("halt_trees", "resume_trees")

    @admin.action(description=gettext_lazy("Halt the selected trees"))
    def halt_trees(self, request: HttpRequest, queryset: QuerySet[MessageTree]) -> None:
        _apply(
            self,
            request,
            queryset,
            lambda t, reason: tree_actions.halt_tree(moderator=request.user, tree=t, reason=reason),
        )

    @admin.action(description=gettext_lazy("Resume the selected trees"))
    def resume_trees(self, request: HttpRequest, queryset: QuerySet[MessageTree]) -> None:
        _apply(
            self,
            request,
            queryset,
            lambda t, reason: tree_actions.resume_tree(moderator=request.user, tree=t, reason=reason),
        )


@admin.register(User)
class ModeratedUserAdmin(UserAdmin):
    actions = (*UserAdmin.actions, "ban_users", "unban_users")

    @admin.action(description=gettext_lazy("Ban the selected users"))
    def ban_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        _apply(
            self,
            request,
            queryset,
            lambda u, reason: user_actions.ban_user(moderator=request.user, user=u, reason=reason),
        )

    @admin.action(description=gettext_lazy("Unban the selected users"))
    def unban_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        _apply(
            self,
            request,
            queryset,
            lambda u, reason: user_actions.unban_user(moderator=request.user, user=u, reason=reason),
        )
