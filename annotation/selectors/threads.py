"""Threads and trees as a viewer may see them: the conversation pages, the API's message reads, task threads."""

from collections import defaultdict
from uuid import UUID

from accounts.models import User
from annotation.models import EmojiReaction, Message, MessageTree
from annotation.policies import can_see_deleted_messages
from core.errors import NotFound


def thread_messages(*, message: Message) -> list[Message]:
    """The messages from the root down to ``message`` (inclusive), oldest first, in one query."""
    by_id = {m.pk: m for m in Message.objects.filter(tree_id=message.tree_id, depth__lt=message.depth)}
    thread = [message]
    while thread[-1].parent_id is not None and thread[-1].parent_id in by_id:
        thread.append(by_id[thread[-1].parent_id])
    return thread[::-1]


def _attach_reactions(*, viewer: User, messages: list[Message]) -> None:
    mine: dict[UUID, set[str]] = defaultdict(set)
    rows = EmojiReaction.objects.filter(user=viewer, message__in=[m.pk for m in messages])
    for message_id, emoji in rows.values_list("message_id", "emoji"):
        mine[message_id].add(emoji)
    for message in messages:
        message.my_reactions = mine[message.pk]


def _visible(messages: list[Message], viewer: User) -> dict[UUID, Message]:
    """The messages a viewer may see, by id: moderators see all; others lose deleted messages and their subtrees."""
    by_id = {m.pk: m for m in messages}
    if can_see_deleted_messages(viewer):
        return by_id
    visible: dict[UUID, Message] = {}
    for message in sorted(messages, key=lambda m: m.depth):
        parent_ok = message.parent_id is None or message.parent_id in visible
        if parent_ok and not message.deleted:
            visible[message.pk] = message
    return visible


def _sort_key(message: Message) -> tuple:
    return (message.rank is None, message.rank or 0, message.created_at)


def _tree_messages(*, tree_id: UUID, viewer: User) -> dict[UUID, Message]:
    messages = list(Message.objects.filter(tree_id=tree_id))
    visible = _visible(messages, viewer)
    children: dict[UUID | None, list[Message]] = defaultdict(list)
    for message in visible.values():
        children[message.parent_id].append(message)
    for message in visible.values():
        message.replies = sorted(children[message.pk], key=_sort_key)
    _attach_reactions(viewer=viewer, messages=list(visible.values()))
    return visible


# Long branches start folded on the tree page: replies at this depth and below, or more replies than this.
COLLAPSE_DEPTH = 3
COLLAPSE_REPLIES = 4


def _fold(visible: dict[UUID, Message], focus: UUID | None) -> None:
    """Set ``collapsed`` on every message: its replies start folded, unless they lead to the focused message."""
    open_path: set[UUID] = set()
    current = visible.get(focus) if focus is not None else None
    while current is not None:
        current = visible.get(current.parent_id)
        if current is not None:
            open_path.add(current.pk)
    for message in visible.values():
        long_branch = message.depth + 1 >= COLLAPSE_DEPTH or len(message.replies) > COLLAPSE_REPLIES
        message.collapsed = long_branch and message.pk not in open_path


def tree_view(*, tree_id: UUID, viewer: User, focus: UUID | None = None) -> tuple[MessageTree, Message]:
    """A tree and its root message, every visible message carrying ``replies`` (best ranked first) and ``collapsed``
    (whether its replies start folded: deep or long branches, except the path down to the ``focus`` message)."""
    tree = MessageTree.objects.filter(pk=tree_id).first()
    if tree is None:
        raise NotFound()
    visible = _tree_messages(tree_id=tree_id, viewer=viewer)
    roots = [m for m in visible.values() if m.parent_id is None]
    if not roots:
        raise NotFound()
    _fold(visible, focus)
    return tree, roots[0]


def thread_view(*, message_id: UUID, viewer: User) -> tuple[list[Message], list[Message]]:
    """The thread from the root down to a message, then that message's visible children."""
    tree_id = Message.objects.filter(pk=message_id).values_list("tree_id", flat=True).first()
    if tree_id is None:
        raise NotFound()
    visible = _tree_messages(tree_id=tree_id, viewer=viewer)
    message = visible.get(message_id)
    if message is None:
        raise NotFound()
    thread = []
    current: Message | None = message
    while current is not None:
        thread.append(current)
        current = visible.get(current.parent_id)
    return thread[::-1], message.replies


def flatten(root: Message) -> list[Message]:
    """A tree from ``tree_view`` as a list: parents before their replies, level by level."""
    flat, level = [], [root]
    while level:
        flat.extend(level)
        level = [reply for message in level for reply in message.replies]
    return flat


def visible_message(*, message_id: UUID, viewer: User) -> Message:
    """A message the viewer may act on (react, report, edit): it exists and is not deleted."""
    message = Message.objects.filter(pk=message_id, deleted=False).first()
    if message is None:
        raise NotFound()
    _attach_reactions(viewer=viewer, messages=[message])
    return message
