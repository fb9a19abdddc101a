import pytest

from annotation.errors import TextBlank, TextTooLong
from annotation.models import EmojiReaction, Message, MessageRevision, Report, Review
from annotation.services.reactions import (
    AlreadyReviewed,
    BeingReviewed,
    InvalidReport,
    NotAuthor,
    OwnMessage,
    UnknownEmoji,
    edit_own_message,
    report_message,
    set_emoji,
)
from core.errors import NotFound
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


def test_emoji_counts_follow_the_rows():
    message = make_prompt()
    alice, bob = UserFactory(), UserFactory()
    assert set_emoji(user=alice, message=message, emoji="clap") == {"clap": 1}
    assert set_emoji(user=alice, message=message, emoji="clap") == {"clap": 1}  # one row per (user, message, emoji)
    assert set_emoji(user=bob, message=message, emoji="clap") == {"clap": 2}
    assert set_emoji(user=alice, message=message, emoji="clap", on=False) == {"clap": 1}
    assert set_emoji(user=alice, message=message, emoji="clap", on=False) == {"clap": 1}
    message.refresh_from_db()
    assert message.emojis == {"clap": 1}
    assert EmojiReaction.objects.filter(message=message).count() == 1


def test_thumbs_up_and_down_exclude_each_other():
    message = make_prompt()
    user = UserFactory()
    set_emoji(user=user, message=message, emoji="+1")
    assert set_emoji(user=user, message=message, emoji="-1") == {"-1": 1}
    assert set_emoji(user=user, message=message, emoji="+1") == {"+1": 1}
    assert list(EmojiReaction.objects.filter(user=user).values_list("emoji", flat=True)) == ["+1"]


def test_no_vote_on_own_message_but_other_emojis_are_fine():
    message = make_prompt()
    with pytest.raises(OwnMessage):
        set_emoji(user=message.author, message=message, emoji="+1")
    assert set_emoji(user=message.author, message=message, emoji="heart_eyes") == {"heart_eyes": 1}


def test_unknown_emoji_and_internal_codes_are_refused():
    message = make_prompt()
    for emoji in ("smile", "_skip_reply"):
        with pytest.raises(UnknownEmoji):
            set_emoji(user=UserFactory(), message=message, emoji=emoji)


def test_hidden_message_takes_no_reaction():
    message = make_prompt(deleted=True)
    with pytest.raises(NotFound):
        set_emoji(user=UserFactory(), message=message, emoji="clap")


def test_counts_keep_codes_they_do_not_manage():
    message = make_prompt(emojis={"_skip_reply": 3, "imported_code": 2})
    assert set_emoji(user=UserFactory(), message=message, emoji="100") == {
        "_skip_reply": 3,
        "imported_code": 2,
        "100": 1,
    }


def test_red_flag_opens_a_report_and_unflag_withdraws_it():
    message = make_prompt()
    user = UserFactory()
    set_emoji(user=user, message=message, emoji="red_flag")
    set_emoji(user=user, message=message, emoji="red_flag")
    report = Report.objects.get(message=message)
    assert (report.user, report.report_type, report.resolved_at) == (user, "red_flag", None)
    set_emoji(user=user, message=message, emoji="red_flag", on=False)
    assert not Report.objects.exists()


def test_report_keeps_labels_and_reason_and_counts_as_a_red_flag():
    message = make_reply(make_prompt())
    user = UserFactory()
    report = report_message(user=user, message=message, report_type="pii", reason=" a phone number ", labels={"pii": 1})
    assert (report.report_type, report.reason, report.labels) == ("pii", "a phone number", {"pii": 1})
    message.refresh_from_db()
    assert message.emojis == {"red_flag": 1}
    # A second report by the same user is kept, but the flag is counted once.
    report_message(user=user, message=message, report_type="other", reason="again")
    message.refresh_from_db()
    assert message.emojis == {"red_flag": 1}
    assert Report.objects.filter(message=message).count() == 2


@pytest.mark.parametrize(
    ("report_type", "labels"),
    [("nonsense", {}), ("spam", {"no_such_label": 1}), ("spam", {"pii": 2}), ("spam", {"pii": "yes"})],
)
def test_invalid_reports_are_refused(report_type, labels):
    with pytest.raises(InvalidReport):
        report_message(user=UserFactory(), message=make_prompt(), report_type=report_type, reason="", labels=labels)
    assert not Report.objects.exists()


def test_author_edits_an_unreviewed_message_and_the_old_text_is_kept():
    message = make_prompt(accepted=False, text="Old text")
    edited = edit_own_message(user=message.author, message=message, text="  New text ")
    assert edited.text == "New text" and edited.edited_at is not None
    revision = MessageRevision.objects.get(message=message)
    assert (revision.text, revision.edited_by) == ("Old text", message.author)
    # The same text again changes nothing.
    edit_own_message(user=message.author, message=message, text="New text")
    assert MessageRevision.objects.count() == 1


def test_edit_is_refused_to_others_after_review_and_for_bad_text(settings):
    message = make_prompt(accepted=False)
    with pytest.raises(NotAuthor):
        edit_own_message(user=UserFactory(), message=message, text="Mine now")
    with pytest.raises(TextBlank):
        edit_own_message(user=message.author, message=message, text="   ")
    with pytest.raises(TextTooLong):
        edit_own_message(user=message.author, message=message, text="x" * (settings.TREE_MANAGER.max_text_length + 1))
    Message.objects.filter(pk=message.pk).update(review_claims=1)
    with pytest.raises(BeingReviewed):
        edit_own_message(user=message.author, message=message, text="Someone is reading")
    Review.objects.create(message=message, reviewer=UserFactory(), values={"spam": 0})
    with pytest.raises(AlreadyReviewed):
        edit_own_message(user=message.author, message=message, text="Too late")
    accepted = make_prompt()
    with pytest.raises(AlreadyReviewed):
        edit_own_message(user=accepted.author, message=accepted, text="Accepted already")
    assert not MessageRevision.objects.exists()
