"""The audit log: every action of the moderators and of the platform itself (SPEC 5), newest first."""

import uuid
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from moderation.models import ModerationAction


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log(
    *,
    moderator: User | None = None,
    kind: str | None = None,
    target_user: User | None = None,
    tree: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[ModerationAction]:
    """The actions matching every filter given; ``date_from`` and ``date_to`` are whole days (both included) in the
    current time zone. The moderator, the target user and the message come along (one query for a page)."""
    actions = ModerationAction.objects.select_related("moderator", "target_user", "message")
    if moderator is not None:
        actions = actions.filter(moderator=moderator)
    if kind:
        actions = actions.filter(kind=kind)
    if target_user is not None:
        actions = actions.filter(target_user=target_user)
    if tree is not None:
        actions = actions.filter(tree_id=tree)
    if date_from is not None:
        actions = actions.filter(created_at__gte=_start_of_day(date_from))
    if date_to is not None:
        actions = actions.filter(created_at__lt=_start_of_day(date_to + timedelta(days=1)))
    return actions.order_by("-created_at", "-pk")


def find_user(*, reference: str) -> User | None:
    """The user with this user name, or else with this id."""
    user = User.objects.filter(username=reference).first()
    if user is not None:
        return user
    try:
        user_id = uuid.UUID(reference)
    except ValueError:
        return None
    return User.objects.filter(pk=user_id).first()
