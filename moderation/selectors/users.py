"""What the moderators' page of one user reads: the user's recent messages, the reviews they gave and the reports
their messages drew. One query each, however many rows."""

from collections.abc import Iterable
from uuid import UUID

from django.db.models import QuerySet

from accounts.models import User
from annotation.models import Message, Report, Review

RECENT_LIMIT = 50


def recent_messages(*, user: User, limit: int = RECENT_LIMIT) -> list[Message]:
    """The user's newest messages, hidden ones included."""
    return list(Message.objects.filter(author=user).order_by("-created_at", "-pk")[:limit])


def reviews_given(*, user: User, limit: int = RECENT_LIMIT) -> list[Review]:
    """The user's newest reviews, with the message reviewed."""
    return list(Review.objects.filter(reviewer=user).select_related("message").order_by("-created_at", "-pk")[:limit])


def reports_received(*, user: User, limit: int = RECENT_LIMIT) -> list[Report]:
    """The newest reports on the user's messages, with the message and the reporter."""
    reports = Report.objects.filter(message__author=user).select_related("message", "user")
    return list(reports.order_by("-created_at", "-pk")[:limit])


def messages_by_ids(*, message_ids: Iterable[UUID]) -> QuerySet[Message]:
    """The messages with these ids, with their authors, oldest first (a purge preview's list)."""
    return Message.objects.filter(pk__in=list(message_ids)).select_related("author").order_by("created_at", "pk")
