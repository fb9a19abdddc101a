"""The flag queue's dismissal: a moderator finds nothing wrong with a flagged message."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from annotation.models import Message, Report
from moderation.errors import NoOpenFlags
from moderation.models import ModerationAction
from moderation.services.audit import check_moderator, record_action


def dismiss_flags(*, moderator: User, message: Message, reason: str) -> int:
    """Resolve the message's open reports (red flags included); returns how many. The message leaves the queue,
    and only flags raised afterwards count towards auto-moderation."""
    check_moderator(moderator)
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update(no_key=True).get(pk=message.pk)
        reports = Report.objects.filter(message=message, resolved_at__isnull=True).order_by("pk")
        report_ids = list(reports.select_for_update().values_list("pk", flat=True))
        if not report_ids:
            raise NoOpenFlags()
        Report.objects.filter(pk__in=report_ids).update(resolved_at=now, resolved_by=moderator)
        record_action(
            moderator=moderator,
            kind=ModerationAction.Kind.DISMISS_FLAG,
            reason=reason,
            message=message,
            tree=message.tree,
            target_user=message.author,
            details={"report_ids": report_ids, "count": len(report_ids)},
        )
    return len(report_ids)
