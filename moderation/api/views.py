"""The moderation API (/api/v1/moderation/): moderators and admins only."""

from uuid import UUID

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import CanUseApi
from accounts.policies import can_see_email
from core.api.schema import responses
from core.api.views import ApiView, ListApiView, validated
from core.errors import NotFound
from moderation.api import serializers as s
from moderation.api.permissions import CanModerate
from moderation.selectors.audit_log import audit_log
from moderation.selectors.flag_queue import flag_queue, flag_queue_item
from moderation.selectors.moderated import moderated_message, moderated_tree, moderated_user, user_activity
from moderation.selectors.trollboard import trollboard
from moderation.services import flags, messages, purge, trees, users


class ModerationApiView(ApiView):
    permission_classes = [CanUseApi, CanModerate]


class TrollboardView(ModerationApiView):
    @extend_schema(
        summary="Trollboard",
        description="The users whose messages drew the most trouble in a time frame (at most 100, no placeholder "
        "users, only positive scores): 3 * red flags received - upvotes received + downvotes received + rejected "
        "prompts + the flag label values of the reviews received. Reactions and reviews count by when they were "
        "given, rejected prompts by when they were written. Moderators and admins only (else 403 not_moderator).",
        parameters=[s.TrollboardQuerySerializer],
        responses=responses(s.TrollboardSerializer),
        tags=["moderation"],
    )
    def get(self, request: Request) -> Response:
        frame = validated(s.TrollboardQuerySerializer, request.query_params)["frame"]
        return Response(s.TrollboardSerializer({"time_frame": frame, "rows": trollboard(time_frame=frame)}).data)


# --- The flag queue ---------------------------------------------------------------------------

NOT_IN_QUEUE = _("Nobody flagged or reported this message.")


class FlagQueueView(ModerationApiView):
    @extend_schema(
        summary="The flag queue",
        operation_id="v1_moderation_queue_list",
        description="The messages volunteers red-flagged or reported, one item per message, as on the queue page: "
        "open ones (an unresolved report) by default, newest report first, 25 a page. A message is `acted_on` when "
        "a moderator or the platform hid, restored or edited it, `dismissed` when its flags were only dismissed. "
        "Moderators and admins only (403 `not_moderator` otherwise).",
        parameters=[s.FlagQueueQuerySerializer],
        responses=responses(s.FlagQueuePageSerializer),
        tags=["moderation"],
    )
    def get(self, request: Request) -> Response:
        query = s.FlagQueueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(s.FlagQueuePageSerializer(flag_queue(**query.selector_filters())).data)


class FlagQueueItemView(ModerationApiView):
    @extend_schema(
        summary="One message of the flag queue",
        description="The message's item, whatever its state. A message nobody flagged or reported answers 404. "
        "Moderators and admins only (403 `not_moderator` otherwise).",
        responses=responses(s.FlagQueueItemSerializer),
        tags=["moderation"],
    )
    def get(self, request: Request, message_id: UUID) -> Response:
        item = flag_queue_item(message_id=message_id)
        if item is None:
            raise NotFound(NOT_IN_QUEUE)
        return Response(s.FlagQueueItemSerializer(item).data)


# --- The audit log ----------------------------------------------------------------------------


class AuditLogView(ListApiView):
    permission_classes = [CanUseApi, CanModerate]
    serializer_class = s.ModerationActionSerializer

    @extend_schema(
        summary="The audit log",
        description="Every action of the moderators and of the platform's automatic moderation, newest first. "
        "Moderators and admins only (`not_moderator` otherwise). A filter naming an unknown user, an unknown "
        "action or reversed days answers 400 `invalid_input`.",
        parameters=[s.AuditLogQuerySerializer],
        responses=responses(s.ModerationActionSerializer(many=True)),
        tags=["moderation"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = s.AuditLogQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return audit_log(**query.selector_filters())


# --- Actions on messages ----------------------------------------------------------------------

MODERATORS_ONLY = "Moderators and admins only (403 `not_moderator` otherwise). An unknown id answers 404."


def _message_data(message) -> dict:
    return s.ModeratedMessageSerializer(message).data


class MessageHideView(ModerationApiView):
    @extend_schema(
        summary="Hide a message",
        description="Soft-deletes the message and every reply under it, resolves their open reports, releases the "
        "tasks about them and re-checks the tree (a hidden prompt aborts its tree). A hidden message answers 409 "
        f"`already_hidden`. {MODERATORS_ONLY}",
        request=s.ReasonSerializer,
        responses=responses(s.HiddenMessageSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, message_id: str) -> Response:
        data = validated(s.ReasonSerializer, request.data)
        message = moderated_message(message_id=message_id)
        hidden = messages.hide_message(moderator=request.user, message=message, reason=data["reason"])
        message = moderated_message(message_id=message_id)
        return Response({"message": _message_data(message), "hidden_ids": [str(pk) for pk in hidden]})


class MessageRestoreView(ModerationApiView):
    @extend_schema(
        summary="Restore a hidden message",
        description="Brings back the message with its hidden ancestors (not the replies under it) and re-checks the "
        f"tree. A message that is not hidden answers 409 `not_hidden`. {MODERATORS_ONLY}",
        request=s.ReasonSerializer,
        responses=responses(s.RestoredMessageSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, message_id: str) -> Response:
        data = validated(s.ReasonSerializer, request.data)
        message = moderated_message(message_id=message_id)
        restored = messages.restore_message(moderator=request.user, message=message, reason=data["reason"])
        message = moderated_message(message_id=message_id)
        return Response({"message": _message_data(message), "restored_ids": [str(pk) for pk in restored]})


class MessageEditView(ModerationApiView):
    @extend_schema(
        summary="Edit a message",
        description="Replaces the text (checked as every message text is); the old text is kept as a revision with "
        f"who replaced it and when. The same text answers 400 `text_unchanged`. {MODERATORS_ONLY}",
        request=s.ModeratorEditSerializer,
        responses=responses(s.ModeratedMessageSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, message_id: str) -> Response:
        data = validated(s.ModeratorEditSerializer, request.data)
        message = moderated_message(message_id=message_id)
        message = messages.edit_message(
            moderator=request.user, message=message, text=data["text"], reason=data["reason"]
        )
        return Response(_message_data(message))


class MessageDismissFlagsView(ModerationApiView):
    @extend_schema(
        summary="Dismiss a message's flags",
        description="Resolves the message's open reports (red flags included): it leaves the flag queue. A message "
        f"without open flags answers 409 `no_open_flags`. {MODERATORS_ONLY}",
        request=s.ReasonSerializer,
        responses=responses(s.DismissedFlagsSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, message_id: str) -> Response:
        data = validated(s.ReasonSerializer, request.data)
        message = moderated_message(message_id=message_id)
        dismissed = flags.dismiss_flags(moderator=request.user, message=message, reason=data["reason"])
        return Response({"message": _message_data(message), "dismissed": dismissed})


# --- Actions on trees -------------------------------------------------------------------------


class TreeHaltView(ModerationApiView):
    @extend_schema(
        summary="Halt a tree",
        description="No task is handed out for the tree until a moderator resumes it. A tree that cannot be halted "
        f"answers 409. {MODERATORS_ONLY}",
        request=s.ReasonSerializer,
        responses=responses(s.ModeratedTreeSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, tree_id: str) -> Response:
        data = validated(s.ReasonSerializer, request.data)
        tree = trees.halt_tree(moderator=request.user, tree=moderated_tree(tree_id=tree_id), reason=data["reason"])
        return Response(s.ModeratedTreeSerializer(tree).data)


class TreeResumeView(ModerationApiView):
    @extend_schema(
        summary="Resume a halted tree",
        description="Returns the tree to where it was, then moves it on as its messages call for. A tree that is "
        f"not halted answers 409. {MODERATORS_ONLY}",
        request=s.ReasonSerializer,
        responses=responses(s.ModeratedTreeSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, tree_id: str) -> Response:
        data = validated(s.ReasonSerializer, request.data)
        tree = trees.resume_tree(moderator=request.user, tree=moderated_tree(tree_id=tree_id), reason=data["reason"])
        return Response(s.ModeratedTreeSerializer(tree).data)


# --- Users ------------------------------------------------------------------------------------


def _user_data(request: Request, user: User) -> dict:
    context = {"activity": user_activity(user=user), "show_email": can_see_email(request.user, user)}
    return s.ModeratedUserSerializer(user, context=context).data


class UserDetailView(ModerationApiView):
    @extend_schema(
        summary="A user, as moderators see them",
        description="The account, the moderators' notes and what the user wrote and drew. The e-mail address is "
        f"shown to admins only (null otherwise). {MODERATORS_ONLY}",
        responses=responses(s.ModeratedUserSerializer),
        tags=["moderation"],
    )
    def get(self, request: Request, user_id: str) -> Response:
        return Response(_user_data(request, moderated_user(user_id=user_id)))


class UserBanView(ModerationApiView):
    @extend_schema(
        summary="Ban a user",
        description="Disables the user's login and task hand-out, releases their open tasks and halts their "
        "prompts that have not grown yet. Nobody bans themself, and only admins ban admins (403 "
        f"`cannot_ban_user`); a banned user answers 409 `already_banned`. {MODERATORS_ONLY}",
        request=s.ReasonSerializer,
        responses=responses(s.ModeratedUserSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, user_id: str) -> Response:
        data = validated(s.ReasonSerializer, request.data)
        user = users.ban_user(moderator=request.user, user=moderated_user(user_id=user_id), reason=data["reason"])
        return Response(_user_data(request, user))


class UserUnbanView(ModerationApiView):
    @extend_schema(
        summary="Unban a user",
        description="Lets the user in again and resumes the trees their ban halted that are still halted. A user "
        f"who is not banned answers 409 `not_banned`. {MODERATORS_ONLY}",
        request=s.ReasonSerializer,
        responses=responses(s.ModeratedUserSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, user_id: str) -> Response:
        data = validated(s.ReasonSerializer, request.data)
        user = users.unban_user(moderator=request.user, user=moderated_user(user_id=user_id), reason=data["reason"])
        return Response(_user_data(request, user))


class UserNoteView(ModerationApiView):
    @extend_schema(
        summary="Add a note on a user",
        description=f"Adds a line to the moderators' notes on the user (recorded in the audit log). {MODERATORS_ONLY}",
        request=s.UserNoteSerializer,
        responses=responses(s.ModeratedUserSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, user_id: str) -> Response:
        data = validated(s.UserNoteSerializer, request.data)
        user = users.add_user_note(moderator=request.user, user=moderated_user(user_id=user_id), note=data["note"])
        return Response(_user_data(request, user))


class UserPurgePreviewView(ModerationApiView):
    @extend_schema(
        summary="Preview a purge",
        description="Exactly what purging the user would hide (their live messages and every live reply under "
        f"them) and which trees it would re-check. {MODERATORS_ONLY}",
        responses=responses(s.PurgePlanSerializer),
        tags=["moderation"],
    )
    def get(self, request: Request, user_id: str) -> Response:
        return Response(s.PurgePlanSerializer(purge.purge_preview(user=moderated_user(user_id=user_id))).data)


class UserPurgeView(ModerationApiView):
    @extend_schema(
        summary="Purge a user",
        description="Hides everything the preview lists and re-checks every affected tree; answers what was done. "
        f"{MODERATORS_ONLY}",
        request=s.ReasonSerializer,
        responses=responses(s.PurgePlanSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, user_id: str) -> Response:
        data = validated(s.ReasonSerializer, request.data)
        plan = purge.purge_user(moderator=request.user, user=moderated_user(user_id=user_id), reason=data["reason"])
        return Response(s.PurgePlanSerializer(plan).data)


class UserLeaderboardVisibilityView(ModerationApiView):
    @extend_schema(
        summary="Show or hide a user on the leaderboard",
        description="Sets whether the user is listed on the leaderboard (recorded in the audit log with the value "
        f"before and after). {MODERATORS_ONLY}",
        request=s.LeaderboardVisibilitySerializer,
        responses=responses(s.ModeratedUserSerializer),
        tags=["moderation"],
    )
    def post(self, request: Request, user_id: str) -> Response:
        data = validated(s.LeaderboardVisibilitySerializer, request.data)
        user = users.set_leaderboard_visibility(
            moderator=request.user, user=moderated_user(user_id=user_id), visible=data["visible"], reason=data["reason"]
        )
        return Response(_user_data(request, user))
