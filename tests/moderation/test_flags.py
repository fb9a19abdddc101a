import pytest

from annotation.models import Report
from annotation.services.reactions import report_message, set_emoji
from moderation.errors import NoOpenFlags
from moderation.models import ModerationAction
from moderation.services.flags import dismiss_flags
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


def test_dismiss_resolves_the_open_reports_and_is_recorded(moderator):
    reply = make_reply(make_prompt())
    set_emoji(user=UserFactory(), message=reply, emoji="red_flag")
    report_message(user=UserFactory(), message=reply, report_type="spam", reason="ads")
    other = make_reply(reply.parent)
    set_emoji(user=UserFactory(), message=other, emoji="red_flag")
    assert dismiss_flags(moderator=moderator, message=reply, reason="harmless") == 2
    assert not Report.objects.filter(message=reply, resolved_at__isnull=True).exists()
    assert set(Report.objects.filter(message=reply).values_list("resolved_by", flat=True)) == {moderator.pk}
    assert Report.objects.filter(message=other, resolved_at__isnull=True).count() == 1
    action = ModerationAction.objects.get()
    assert (action.kind, action.reason, action.message_id, action.details["count"]) == (
        "dismiss_flag",
        "harmless",
        reply.pk,
        2,
    )
    with pytest.raises(NoOpenFlags):
        dismiss_flags(moderator=moderator, message=reply, reason="")
    assert ModerationAction.objects.count() == 1
