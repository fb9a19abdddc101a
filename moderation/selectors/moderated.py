"""What a moderator acts on, looked up by id (hidden messages included), and a user as a moderator sees them."""

import uuid
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from annotation.models import Message, MessageTree, Report, Review
from core.errors import NotFound


def moderated_message(*, message_id: uuid.UUID) -> Message:
    """Any message, hidden or not."""
    message = Message.objects.select_related("tree").filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("No such message."))
    return message


def moderated_tree(*, tree_id: uuid.UUID) -> MessageTree:
    tree = MessageTree.objects.filter(pk=tree_id).first()
    if tree is None:
        raise NotFound()
    return tree


def moderated_user(*, user_id: uuid.UUID) -> User:
    """Any user, banned or not."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No user with this name or id."))
    return user


@dataclass(frozen=True)
class UserActivity:
    """What a user has written and drawn: messages (hidden ones apart), reviews given, open flags received."""

    messages: int
    hidden_messages: int
    reviews: int
    open_flags: int


def user_activity(*, user: User) -> UserActivity:
    messages = Message.objects.filter(author=user).aggregate(
        total=Count("pk"), hidden=Count("pk", filter=Q(deleted=True))
    )
    return UserActivity(
        messages=messages["total"],
        hidden_messages=messages["hidden"],
        reviews=Review.objects.filter(reviewer=user).count(),
        open_flags=Report.objects.filter(message__author=user, resolved_at__isnull=True).count(),
    )
