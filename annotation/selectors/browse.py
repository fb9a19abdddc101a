"""Browse: messages found by their text (PostgreSQL full-text search in each message's language), trees and threads.

On PostgreSQL the search uses the stored ``search_vector`` column of migration 0008 (GIN index), ranks with
``ts_rank`` and highlights with ``ts_headline``; elsewhere (SQLite in development) it falls back to ``icontains``
on every word, newest first. Without words, the roots of the matching trees are listed, newest first.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import CharField, F, Func, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from annotation.models import Message
from annotation.policies import can_see_deleted_messages
from annotation.search_config import CONFIG_FUNCTION, SEARCH_CONFIGS, SIMPLE, search_config

PAGE_SIZE = 20
MAX_PAGE = 500
SNIPPET_CHARS = 240
# Highlight markers that cannot occur in escaped text: ts_headline's output is escaped first, then they become <mark>.
START, STOP = "\ue000", "\ue001"
HEADLINE_OPTIONS = {"start_sel": START, "stop_sel": STOP, "max_words": 35, "min_words": 15, "max_fragments": 2}


@dataclass
class BrowsePage:
    results: list[Message]  # each with ``snippet`` (safe HTML) and ``tree`` loaded
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def full_text_search_available() -> bool:
    return connection.vendor == "postgresql"


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"\s+", text.strip()) if word]


class _TsQuery(SearchQuery):
    """A tsquery given as its text (already parsed by PostgreSQL)."""

    def as_sql(self, compiler, connection, **extra_context):
        return "%s::tsquery", [self.source_expressions[0].value]


def _search_query(text: str, lang: str | None) -> SearchQuery | None:
    """The words as one tsquery: in the language's configuration, or else the union of every configuration's
    (a word stemmed as each language would), duplicates dropped so that matching and ranking stay cheap. None when
    nothing is left to search for (only stop words). One query."""
    configs = [search_config(lang)] if lang else sorted({*SEARCH_CONFIGS.values(), SIMPLE})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT websearch_to_tsquery(config::regconfig, %s)::text FROM unnest(%s::text[]) AS config",
            [text, configs],
        )
        parts = sorted(row[0] for row in cursor.fetchall() if row[0])
    if not parts:
        return None
    return _TsQuery(" | ".join(f"({part})" for part in parts))


def _mark(text: str) -> SafeString:
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))


def _plain_snippet(text: str, words: list[str]) -> SafeString:
    """The fallback's snippet: the text around the first word found, every word's occurrences marked."""
    lowered = text.lower()
    first = min((i for i in (lowered.find(w.lower()) for w in words) if i >= 0), default=0)
    start = max(0, first - SNIPPET_CHARS // 3)
    excerpt = text[start : start + SNIPPET_CHARS]
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
        excerpt = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", excerpt)
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + SNIPPET_CHARS < len(text) else ""
    return _mark(f"{prefix}{excerpt}{suffix}")


def _filtered(*, viewer: User, lang: str | None, state: str | None, date_from, date_to) -> QuerySet[Message]:
    messages = Message.objects.all()
    if not can_see_deleted_messages(viewer):
        messages = messages.filter(deleted=False)
    if lang:
        messages = messages.filter(lang=lang)
    if state:
        messages = messages.filter(tree__state=state)
    if date_from is not None:
        messages = messages.filter(created_at__gte=_start_of_day(date_from))
    if date_to is not None:
        messages = messages.filter(created_at__lt=_start_of_day(date_to + timedelta(days=1)))
    return messages


def _under_deleted(rows: list[tuple]) -> set[UUID]:
    """Of the (id, tree, parent, depth) rows, the ids of the messages below a deleted message (hidden with it from
    volunteers); one query."""
    found = Message.objects.filter(tree_id__in={row[1] for row in rows}, depth__gt=0)
    parents = {pk: (parent_id, deleted) for pk, parent_id, deleted in found.values_list("pk", "parent_id", "deleted")}
    hidden = set()
    for pk, _tree_id, parent_id, _depth in rows:
        while parent_id is not None:
            parent_id, deleted = parents.get(parent_id, (None, False))
            if deleted:
                hidden.add(pk)
                break
    return hidden


def browse(
    *,
    viewer: User,
    text: str = "",
    lang: str | None = None,
    state: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
) -> BrowsePage:
    """One page of messages matching the words (best first), or of tree roots when there are none (newest first).

    Deleted messages, and the replies under them, are left out unless the viewer may see them. At most four queries:
    the words as a tsquery, the page's ids, for volunteers the deleted messages above them, and the messages whole
    with their trees and highlights.
    """
    page = max(1, min(page, MAX_PAGE))
    messages = _filtered(viewer=viewer, lang=lang, state=state, date_from=date_from, date_to=date_to)
    words = _words(text)
    search = None
    if not words:
        messages = messages.filter(depth=0).order_by("-created_at", "-pk")
    elif full_text_search_available():
        # The match goes through the GIN index; the rank orders the matches (ties: newest first).
        search = _search_query(text, lang)
        if search is None:
            return BrowsePage(results=[], number=page, has_next=False)
        vector = RawSQL('"annotation_message"."search_vector"', [], output_field=SearchVectorField())
        messages = (
            messages.alias(search_vector=vector)
            .filter(search_vector=search)
            .alias(relevance=SearchRank(vector, search))
            .order_by("-relevance", "-created_at", "-pk")
        )
    else:
        for word in words:
            messages = messages.filter(text__icontains=word)
        messages = messages.order_by("-created_at", "-pk")
    # The page's ids first (narrow rows: what the sort carries), then those messages whole with their trees.
    offset = (page - 1) * PAGE_SIZE
    rows = list(messages.values_list("pk", "tree_id", "parent_id", "depth")[offset : offset + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if rows and not can_see_deleted_messages(viewer) and any(depth > 0 for _, _, _, depth in rows):
        hidden = _under_deleted(rows)
        rows = [row for row in rows if row[0] not in hidden]
    if not rows:
        return BrowsePage(results=[], number=page, has_next=has_next)
    details = Message.objects.filter(pk__in=[row[0] for row in rows]).select_related("tree")
    if search is not None:
        config = Func(F("lang"), function=CONFIG_FUNCTION, output_field=CharField())
        details = details.annotate(headline=SearchHeadline("text", search, config=config, **HEADLINE_OPTIONS))
    by_id = {message.pk: message for message in details}
    results = [by_id[row[0]] for row in rows if row[0] in by_id]
    for message in results:
        if search is not None:
            message.snippet = _mark(message.headline)
        else:
            message.snippet = _plain_snippet(message.text, words)
    return BrowsePage(results=results, number=page, has_next=has_next)
