"""Rows written with COPY: the text encoding of every kind of column, read back from the database."""

import datetime as dt
import uuid

import pytest

from accounts.models import User
from annotation.models import EmojiReaction, Message
from exports.bulk import RowWriter
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

AWKWARD_TEXTS = [
    "tab\there, newline\nthere, return\r, backslash \\ and \\N and \\t written out",
    "שלום עולם 👋🏽 مرحبا",
    "",
]


def test_lines_are_tab_separated_with_escapes_nulls_and_defaults():
    writer = RowWriter(EmojiReaction, ("message", "user", "emoji", "created_at"))
    message_id, user_id = str(uuid.uuid4()), uuid.uuid4()
    when = dt.datetime(2023, 2, 5, 14, 23, 50, 983374, tzinfo=dt.UTC)
    data = writer.encode([(message_id, user_id, "a\tb\\", when), (message_id, None, "+1", "2023-02-05T00:00:00+00:00")])
    assert data.decode().splitlines() == [
        f"{message_id}\t{user_id}\ta\\tb\\\\\t2023-02-05 14:23:50.983374+00:00",
        f"{message_id}\t\\N\t+1\t2023-02-05T00:00:00+00:00",
    ]


@pytest.mark.postgres
def test_texts_json_and_booleans_come_back_as_they_were_written():
    parent = MessageFactory()
    writer = RowWriter(
        Message, ("id", "tree", "parent", "role", "lang", "text", "created_at", "review_result", "labels", "extra")
    )
    rows = [
        (
            str(uuid.uuid4()),
            parent.tree_id,
            parent.id,
            "assistant",
            "he",
            text,
            dt.datetime(2023, 2, 5, tzinfo=dt.UTC),
            review_result,
            {"quality": {"value": 0.5, "count": 3}},
            {"note": text, "nested": ["\\", "\t"]},
        )
        for text, review_result in zip(AWKWARD_TEXTS, (True, False, None), strict=True)
    ]
    writer.write(rows)
    stored = {str(m.id): m for m in Message.objects.filter(parent=parent)}
    for row in rows:
        message = stored[row[0]]
        assert (message.text, message.review_result, message.labels, message.extra) == (
            row[5],
            row[7],
            row[8],
            row[9],
        )
        # Columns left out get their defaults.
        assert (message.deleted, message.emojis, message.children_count) == (False, {}, 0)


@pytest.mark.postgres
def test_a_model_with_many_defaults_is_written_whole():
    writer = RowWriter(User, ("id", "username", "password", "is_placeholder", "date_joined"))
    user_id = uuid.uuid4()
    writer.write([(user_id, "name\\with\ttab", "!", True, dt.datetime(2023, 1, 1, tzinfo=dt.UTC))])
    user = User.objects.get(id=user_id)
    assert (user.username, user.is_placeholder, user.languages, user.is_active) == ("name\\with\ttab", True, [], True)
