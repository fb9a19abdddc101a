"""Admin pages of moderation: the audit log, and the moderator actions on messages, trees and users.

The actions call the same services as the moderation pages, so they are checked and recorded alike. They are
added here to the ModelAdmins of annotation and accounts (which may not import moderation) by registering
subclasses in their place. The change pages too go through the services for what moderators change: a message's
text is edited (its old text kept as a revision), a note is added to a user's notes (which are not edited in
place) and a user's leaderboard visibility is set, each recorded in the audit log.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy, ngettext

from accounts.admin import UserAdmin
from accounts.models import User
from annotation.admin import MessageAdmin, MessageTreeAdmin, ReportAdmin
from annotation.message_text import check_message_text
from annotation.models import Message, MessageTree, Report
from core.errors import DomainError
from moderation.forms import ReasonField
from moderation.models import ModerationAction
from moderation.services import messages as message_actions
from moderation.services import trees as tree_actions
from moderation.services import users as user_actions
from moderation.services.audit import MAX_REASON_LENGTH, check_reason

ADMIN_REASON = gettext_lazy("Through the admin site.")


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
    reason = str(ADMIN_REASON)
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


def _checked(rule: Callable[[str], str], value: str) -> str:
    """A service's rule on a form field: its refusal becomes the field's error."""
    try:
        return rule(value)
    except DomainError as error:
        raise forms.ValidationError(error.message, code=error.code) from error


class ServiceErrorsShown:
    """A change page whose save calls services: a refusal the form could not foresee (the user may not moderate,
    the row changed meanwhile) rolls the whole save back and is shown, instead of a server error."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


admin.site.unregister(Message)
admin.site.unregister(MessageTree)
admin.site.unregister(User)
admin.site.unregister(Report)


class ModeratedMessageForm(forms.ModelForm):
    def clean_text(self) -> str:
        return _checked(check_message_text, self.cleaned_data["text"])


@admin.register(Message)
class ModeratedMessageAdmin(ServiceErrorsShown, MessageAdmin):
    form = ModeratedMessageForm
    actions = ("hide_messages", "restore_messages")

    def save_model(self, request: HttpRequest, obj: Message, form: forms.ModelForm, change: bool) -> None:
        """A new text is a moderator's edit: the service keeps the old one as a revision and records it."""
        old_text = form.initial.get("text")
        edited = change and "text" in form.changed_data and obj.text != old_text
        new_text = obj.text
        if edited:
            obj.text = old_text
        super().save_model(request, obj, form, change)
        if edited:
            message_actions.edit_message(moderator=request.user, message=obj, text=new_text, reason=str(ADMIN_REASON))
            obj.refresh_from_db(fields=["text", "edited_at"])

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


def _with_note_field(fieldsets: tuple) -> tuple:
    """The fieldsets with the field that adds a note right after the (read-only) notes."""
    return tuple(
        (name, {**options, "fields": tuple(f for field in options["fields"] for f in _after_notes(field))})
        for name, options in fieldsets
    )


def _after_notes(field: str) -> tuple[str, ...]:
    return (field, "new_note") if field == "notes" else (field,)


class ModeratedUserForm(UserAdmin.form):
    new_note = ReasonField(
        label=gettext_lazy("Add a note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_REASON_LENGTH}),
        help_text=gettext_lazy("A line added to the moderators' notes, recorded in the audit log."),
    )

    def clean_new_note(self) -> str:
        return _checked(check_reason, self.cleaned_data["new_note"])


@admin.register(User)
class ModeratedUserAdmin(ServiceErrorsShown, UserAdmin):
    form = ModeratedUserForm
    actions = (*UserAdmin.actions, "ban_users", "unban_users")
    fieldsets = _with_note_field(UserAdmin.fieldsets)
    # Notes are added (through the field above), never rewritten.
    readonly_fields = (*UserAdmin.readonly_fields, "notes")

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        """A note and the leaderboard visibility go through the moderation services, which record them."""
        visibility_changed = change and "show_on_leaderboard" in form.changed_data
        visible = obj.show_on_leaderboard
        if visibility_changed:
            obj.show_on_leaderboard = form.initial["show_on_leaderboard"]
        super().save_model(request, obj, form, change)
        note = form.cleaned_data.get("new_note")
        if change and note:
            user_actions.add_user_note(moderator=request.user, user=obj, note=note)
        if visibility_changed:
            user_actions.set_leaderboard_visibility(
                moderator=request.user, user=obj, visible=visible, reason=str(ADMIN_REASON)
            )
        obj.refresh_from_db(fields=["notes", "show_on_leaderboard"])

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


@admin.register(Report)
class ModeratedReportAdmin(ReportAdmin):
    # Resolving a report is dismissing it (or hiding its message): the flag queue's recorded actions.
    readonly_fields = ("resolved_at", "resolved_by")
