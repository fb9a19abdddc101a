"""Moderator actions on messages (SPEC 5): hide, restore, edit.

Hiding is recursive: the message and every reply under it are soft-deleted, and their open reports resolved.
Restoring brings back the message with its hidden ancestors (a message cannot show under a hidden parent), but
not the replies under it: those may have been hidden for reasons of their own, and each is restored by itself
(which restores the path to it). A hidden reply frees its place under its parent; the re-check recomputes the
slot counters and moves the tree on, so a hidden prompt aborts its tree (aborted_low_grade) and restoring that
prompt brings the tree back to where its messages put it.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from annotation.message_text import check_message_text
from annotation.models import Message, MessageRevision, Report, TreeState
from annotation.services.task_handout import release_tasks_on_messages
from annotation.services.tree_state_changes import set_state
from annotation.signals import message_written
from moderation.errors import AlreadyHidden, NotHidden, TextUnchanged
from moderation.models import ModerationAction
from moderation.services.audit import check_moderator, record_action
from moderation.services.trees import lock_tree_with_messages, recheck_affected_trees


def subtree_ids(*, tree_id: uuid.UUID, root_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The ids of ``root_ids`` and of every message under them in one tree, roots first."""
    children = defaultdict(list)
    for pk, parent_id in Message.objects.filter(tree_id=tree_id).values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    found, queue, seen = [], list(root_ids), set()
    while queue:
        pk = queue.pop(0)
        if pk in seen:
            continue
        seen.add(pk)
        found.append(pk)
        queue.extend(children[pk])
    return found


def hide_messages(*, message_ids: Iterable[uuid.UUID], resolved_by: User | None, now: datetime) -> list[uuid.UUID]:
    """Soft-delete the live ones of ``message_ids``, resolve their open reports and release the open tasks about
    them (their slots go with them); returns the ids hidden.

    The caller holds the lock of their trees and re-checks them afterwards.
    """
    rows = Message.objects.filter(pk__in=list(message_ids), deleted=False).order_by("pk")
    hidden = list(rows.select_for_update(no_key=True).values_list("pk", flat=True))
    Message.objects.filter(pk__in=hidden).update(deleted=True)
    Report.objects.filter(message_id__in=hidden, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=resolved_by
    )
    release_tasks_on_messages(message_ids=hidden)
    return hidden


def hide_message(*, moderator: User, message: Message, reason: str) -> list[uuid.UUID]:
    """Hide a message and its whole subtree; returns the ids hidden."""
    check_moderator(moderator)
    now = timezone.now()
    with transaction.atomic():
        lock_tree_with_messages(message.tree_id)
        message = Message.objects.get(pk=message.pk)
        if message.deleted:
            raise AlreadyHidden()
        hidden = hide_messages(
            message_ids=subtree_ids(tree_id=message.tree_id, root_ids=[message.pk]), resolved_by=moderator, now=now
        )
        states = recheck_affected_trees(tree_ids=[message.tree_id], now=now)
        record_action(
            moderator=moderator,
            kind=ModerationAction.Kind.HIDE_MESSAGE,
            reason=reason,
            message=message,
            tree=message.tree,
            target_user=message.author,
            details={"hidden_ids": [str(pk) for pk in hidden], "tree_state": states[str(message.tree_id)]},
        )
    return hidden


def _ancestors(message: Message) -> list[Message]:
    by_id = {m.pk: m for m in Message.objects.filter(tree_id=message.tree_id)}
    path, parent_id = [], message.parent_id
    while parent_id is not None and parent_id in by_id:
        path.append(by_id[parent_id])
        parent_id = by_id[parent_id].parent_id
    return path


def restore_message(*, moderator: User, message: Message, reason: str) -> list[uuid.UUID]:
    """Bring back a hidden message and its hidden ancestors (not the replies under it); returns the ids restored."""
    check_moderator(moderator)
    now = timezone.now()
    with transaction.atomic():
        tree = lock_tree_with_messages(message.tree_id)
        message = Message.objects.get(pk=message.pk)
        if not message.deleted:
            raise NotHidden()
        candidates = [message.pk] + [m.pk for m in _ancestors(message) if m.deleted]
        rows = Message.objects.filter(pk__in=candidates, deleted=True).order_by("pk")
        restored = list(rows.select_for_update(no_key=True).values_list("pk", flat=True))
        Message.objects.filter(pk__in=restored).update(deleted=False)
        root = Message.objects.filter(pk=tree.pk).first()
        if (
            tree.state == TreeState.ABORTED_LOW_GRADE
            and root is not None
            and root.pk in restored
            and root.review_result is not False
        ):
            # The tree was aborted because its prompt was hidden: it re-enters the states and the re-check
            # moves it to the one its messages call for.
            set_state(tree, TreeState.INITIAL_PROMPT_REVIEW, now)
        states = recheck_affected_trees(tree_ids=[tree.pk], now=now)
        record_action(
            moderator=moderator,
            kind=ModerationAction.Kind.RESTORE_MESSAGE,
            reason=reason,
            message=message,
            tree=tree,
            target_user=message.author,
            details={"restored_ids": [str(pk) for pk in restored], "tree_state": states[str(tree.pk)]},
        )
    return restored


def edit_message(*, moderator: User, message: Message, text: str, reason: str) -> Message:
    """Replace a message's text; the old text is kept as a revision with who replaced it and when."""
    check_moderator(moderator)
    text = check_message_text(text)
    with transaction.atomic():
        message = Message.objects.select_for_update(no_key=True).get(pk=message.pk)
        if text == message.text:
            raise TextUnchanged()
        old = message.text
        MessageRevision.objects.create(message=message, text=old, edited_by=moderator)
        message.text = text
        message.edited_at = timezone.now()
        message.save(update_fields=["text", "edited_at"])
        record_action(
            moderator=moderator,
            kind=ModerationAction.Kind.EDIT_MESSAGE,
            reason=reason,
            message=message,
            tree=message.tree,
            target_user=message.author,
            details={"text": {"before": old, "after": text}},
        )
        message_written.send(sender=Message, message_id=message.pk, edited=True, written_at=message.edited_at)
    return message
