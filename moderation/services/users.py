"""Moderator actions on users (SPEC 5): ban, unban, notes, leaderboard visibility.

A ban takes effect at once: the user's next request is logged out (``accounts.middleware``), no task is handed
to them (``annotation.policies.can_request_task``), their open tasks are released so the slots go to others, and
their prompts still under review or waiting in the prompt lottery are halted. An unban resumes the trees that
ban halted which are still halted.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from annotation.models import Message, MessageTree, Task, TaskState, TreeState
from annotation.services import tree_transitions
from annotation.services.task_handout import release_open_tasks
from moderation.errors import AlreadyBanned, CannotBanUser, NotBanned, NoteBlank
from moderation.models import ModerationAction
from moderation.services.audit import check_moderator, check_reason, record_action
from moderation.services.trees import recheck_affected_trees

# The trees of a banned user's prompts that are halted: they have not grown yet.
HALTED_ON_BAN_STATES = (TreeState.INITIAL_PROMPT_REVIEW, TreeState.PROMPT_LOTTERY_WAITING)


def _is_admin(user: User) -> bool:
    return user.role == Role.ADMIN or user.is_superuser


def _check_may_ban(moderator: User, user: User) -> None:
    check_moderator(moderator)
    if user.pk == moderator.pk or (_is_admin(user) and not _is_admin(moderator)):
        raise CannotBanUser()


def ban_user(*, moderator: User, user: User, reason: str) -> User:
    """Disable the user's login and task hand-out, release their open tasks and halt their waiting prompts."""
    _check_may_ban(moderator, user)
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.enabled:
            raise AlreadyBanned()
        user.enabled = False
        user.save(update_fields=["enabled"])
        open_tasks = Task.objects.filter(user=user, state=TaskState.OPEN, tree__isnull=False)
        task_tree_ids = set(open_tasks.values_list("tree_id", flat=True))
        released = release_open_tasks(user=user)
        waiting = Message.objects.filter(author=user, parent__isnull=True, tree__state__in=HALTED_ON_BAN_STATES)
        halted = sorted(waiting.values_list("tree_id", flat=True))
        for tree_id in halted:
            tree_transitions.halt_tree(tree=MessageTree(pk=tree_id), now=now)
        states = recheck_affected_trees(tree_ids=task_tree_ids - set(halted), now=now)
        record_action(
            moderator=moderator,
            kind=ModerationAction.Kind.BAN_USER,
            reason=reason,
            target_user=user,
            details={
                "enabled": {"before": True, "after": False},
                "released_tasks": released,
                "halted_tree_ids": [str(pk) for pk in halted],
                "tree_states": states,
            },
        )
    return user


def unban_user(*, moderator: User, user: User, reason: str) -> User:
    """Let a banned user in again; the trees their ban halted and nobody resumed since are resumed."""
    _check_may_ban(moderator, user)
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.enabled:
            raise NotBanned()
        user.enabled = True
        user.save(update_fields=["enabled"])
        ban = (
            ModerationAction.objects.filter(target_user=user, kind=ModerationAction.Kind.BAN_USER)
            .order_by("-created_at")
            .first()
        )
        halted_ids = ban.details.get("halted_tree_ids", []) if ban is not None else []
        still_halted = MessageTree.objects.filter(pk__in=halted_ids, state=TreeState.HALTED_BY_MODERATOR)
        resumed = sorted(still_halted.values_list("pk", flat=True))
        for tree_id in resumed:
            tree_transitions.resume_tree(tree=MessageTree(pk=tree_id), now=now)
        record_action(
            moderator=moderator,
            kind=ModerationAction.Kind.UNBAN_USER,
            reason=reason,
            target_user=user,
            details={"enabled": {"before": False, "after": True}, "resumed_tree_ids": [str(pk) for pk in resumed]},
        )
    return user


def add_user_note(*, moderator: User, user: User, note: str) -> User:
    """Add a line to the moderators' notes on a user (kept on the user, and recorded)."""
    check_moderator(moderator)
    # The note is the action's reason: checked before it is written to the user.
    note = check_reason(note)
    if not note:
        raise NoteBlank()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = user.notes
        user.notes = f"{before.rstrip()}\n{note}".strip()
        user.save(update_fields=["notes"])
        record_action(
            moderator=moderator,
            kind=ModerationAction.Kind.NOTE_USER,
            reason=note,
            target_user=user,
            details={"notes": {"before": before, "after": user.notes}},
        )
    return user


def set_leaderboard_visibility(*, moderator: User, user: User, visible: bool, reason: str) -> User:
    """Show or hide the user on the leaderboard (recorded, also when nothing changes)."""
    check_moderator(moderator)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = user.show_on_leaderboard
        if before != visible:
            user.show_on_leaderboard = visible
            user.save(update_fields=["show_on_leaderboard"])
        record_action(
            moderator=moderator,
            kind=ModerationAction.Kind.LEADERBOARD_VISIBILITY,
            reason=reason,
            target_user=user,
            details={"show_on_leaderboard": {"before": before, "after": visible}},
        )
    return user
