"""The flag queue (SPEC 5): messages that volunteers red-flagged or reported, or that a classifier scored above
``TOXICITY_FLAG_THRESHOLD`` (a report of type ``toxicity``, see toxicity.services.scoring), one item per message.

A message's state in the queue:

- ``open``: it has at least one unresolved report (a red flag is a report of type ``red_flag``);
- ``acted_on``: every report is resolved and a moderator (or auto-moderation) did something to the message: it is
  hidden, or the audit log holds a hide, restore, edit or automatic action on it;
- ``dismissed``: every report is resolved and nothing else was done (a moderator dismissed the flags).

The state is read from the reports, the message and the audit log: no field of its own to keep in step.

A page costs a fixed number of queries, however many items it holds: the grouped reports (one row per message),
the messages with their authors, trees and number of reviews, their reports with the reporters' names, and the
messages of their threads. The reviews themselves are read for one item at a time (``item_reviews``), when a
moderator opens them: most items are dealt with without.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from annotation.models import Message, Report, Review
from annotation.services.reactions import RED_FLAG
from moderation.models import ModerationAction
from toxicity.models import TOXICITY_REPORT_TYPE

PAGE_SIZE = 25
# Deeper pages are refused by the forms that parse a page number: an offset past PostgreSQL's bigint is an error,
# and no moderator pages this far.
MAX_PAGE = 10_000

KIND_RED_FLAG = "red_flag"
KIND_REPORT = "report"
KIND_TOXICITY = "toxicity"
KINDS = (KIND_RED_FLAG, KIND_REPORT, KIND_TOXICITY)

STATE_OPEN = "open"
STATE_DISMISSED = "dismissed"
STATE_ACTED_ON = "acted_on"
STATES = (STATE_OPEN, STATE_DISMISSED, STATE_ACTED_ON)

SORT_NEWEST = "newest"
SORT_MOST_FLAGGED = "most_flagged"
SORTS = (SORT_NEWEST, SORT_MOST_FLAGGED)

# Audit rows that count as acting on a message (a dismissal does not).
ACTION_KINDS = (
    ModerationAction.Kind.HIDE_MESSAGE,
    ModerationAction.Kind.RESTORE_MESSAGE,
    ModerationAction.Kind.EDIT_MESSAGE,
    ModerationAction.Kind.AUTO,
)


# What an ancestor in an item's thread shows (the message card): its JSON columns are left unread.
THREAD_FIELDS = (
    "tree_id",
    "parent_id",
    "author_id",
    "role",
    "lang",
    "text",
    "depth",
    "rank",
    "review_count",
    "review_result",
    "deleted",
    "synthetic",
    "model_name",
    "edited_at",
    "created_at",
)


@dataclass
class FlagQueueItem:
    message: Message
    report_count: int
    red_flag_count: int
    open_count: int
    newest_report_at: datetime
    acted_on: bool = False
    reports: list[Report] = field(default_factory=list)
    review_count: int = 0
    # From the root down to the message itself.
    thread: list[Message] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.open_count:
            return STATE_OPEN
        return STATE_ACTED_ON if self.acted_on else STATE_DISMISSED

    @property
    def reactions(self) -> list[tuple[str, int]]:
        return sorted(((emoji, count) for emoji, count in (self.message.emojis or {}).items() if count), key=str)


@dataclass
class FlagQueuePage:
    items: list[FlagQueueItem]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _acted_on() -> Exists:
    return Exists(ModerationAction.objects.filter(message_id=OuterRef("message_id"), kind__in=ACTION_KINDS))


def _of_kind(reports: QuerySet, kind: str | None) -> QuerySet:
    if kind == KIND_RED_FLAG:
        return reports.filter(report_type=RED_FLAG)
    if kind == KIND_REPORT:
        return reports.exclude(report_type__in=(RED_FLAG, TOXICITY_REPORT_TYPE))
    if kind == KIND_TOXICITY:
        return reports.filter(report_type=TOXICITY_REPORT_TYPE)
    return reports


def _flag_rows(*, language: str | None, kind: str | None, state: str | None) -> QuerySet:
    """One row per flagged message: its counts and newest report, filtered."""
    reports = _of_kind(Report.objects.all(), kind)
    if language:
        reports = reports.filter(message__lang=language)
    # Resolved reports pile up over the years: the open state reads only the messages with an open report, the
    # others leave those out before joining the messages and the audit log.
    # EXISTS rather than IN: NOT IN makes PostgreSQL misjudge the cost badly enough to JIT-compile the query.
    has_open_report = Exists(Report.objects.filter(message_id=OuterRef("message_id"), resolved_at__isnull=True))
    if state == STATE_OPEN:
        reports = reports.filter(has_open_report)
    elif state in (STATE_DISMISSED, STATE_ACTED_ON):
        reports = reports.filter(~has_open_report)
        if state == STATE_ACTED_ON:
            reports = reports.filter(Q(message__deleted=True) | Q(_acted_on()))
        else:
            # Two filters rather than a negated OR, so that PostgreSQL plans an anti-join.
            reports = reports.filter(message__deleted=False).filter(~_acted_on())
    rows = reports.values("message_id").annotate(
        report_count=Count("pk"),
        red_flag_count=Count("pk", filter=Q(report_type=RED_FLAG)),
        open_count=Count("pk", filter=Q(resolved_at__isnull=True)),
        newest_report_at=Max("created_at"),
    )
    if state == STATE_OPEN:
        return rows.filter(open_count__gt=0)
    if state is not None:
        return rows.filter(open_count=0)
    return rows


def queue_filters(data: Mapping[str, object]) -> dict:
    """The filters parsed from a request (page or API) as ``flag_queue``'s keyword arguments, defaults filled in."""
    return {
        "language": str(data.get("language") or "").strip() or None,
        "kind": data.get("kind") or None,
        "state": data.get("state") or STATE_OPEN,
        "sort": data.get("sort") or SORT_NEWEST,
        "page": data.get("page") or 1,
    }


def flag_queue(
    *,
    language: str | None = None,
    kind: str | None = None,
    state: str = STATE_OPEN,
    sort: str = SORT_NEWEST,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> FlagQueuePage:
    """A page of the queue, newest report first (``newest``) or most reports first (``most_flagged``)."""
    rows = _flag_rows(language=language, kind=kind, state=state)
    if sort == SORT_MOST_FLAGGED:
        rows = rows.order_by("-report_count", "-newest_report_at", "message_id")
    else:
        rows = rows.order_by("-newest_report_at", "message_id")
    page = max(page, 1)
    start = (page - 1) * page_size
    found = list(rows[start : start + page_size + 1])
    has_next = len(found) > page_size
    items = _items(found[:page_size], kind=kind)
    return FlagQueuePage(items=items, number=page, has_next=has_next)


def flag_queue_item(*, message_id: UUID) -> FlagQueueItem | None:
    """One message's item, whatever its state; None if nobody ever flagged it."""
    rows = _flag_rows(language=None, kind=None, state=None).filter(message_id=message_id)
    items = _items(list(rows), kind=None)
    return items[0] if items else None


def _review_count() -> Coalesce:
    reviews = Review.objects.filter(message_id=OuterRef("pk")).order_by().values("message_id")
    return Coalesce(Subquery(reviews.annotate(n=Count("pk")).values("n")), 0)


def _with_reporters(reports: QuerySet[Report]) -> list[Report]:
    """The reports, each with its reporter's name fields (the rest of the user left unread).

    Read with a subquery per report rather than a join: on a page of the most flagged messages the planner would
    hash the whole user table to join a few hundred reports.
    """
    reporters = User.objects.filter(pk=OuterRef("user_id"))
    rows = list(
        reports.annotate(
            reporter_username=Subquery(reporters.values("username")),
            reporter_display_name=Subquery(reporters.values("display_name")),
        )
    )
    # from_db takes the values in the order of the model's fields.
    names = [f.attname for f in User._meta.concrete_fields if f.attname in ("id", "username", "display_name")]
    for report in rows:
        if report.user_id is not None:
            read = {"id": report.user_id, "username": report.reporter_username}
            read["display_name"] = report.reporter_display_name
            report.user = User.from_db(reports.db, names, [read[name] for name in names])
    return rows


def _items(rows: list[dict], *, kind: str | None) -> list[FlagQueueItem]:
    if not rows:
        return []
    ids = [row["message_id"] for row in rows]
    messages = Message.objects.select_related("author", "tree").annotate(
        acted_on=Exists(ModerationAction.objects.filter(message_id=OuterRef("pk"), kind__in=ACTION_KINDS)),
        reviews_received=_review_count(),
    )
    by_id = {message.pk: message for message in messages.filter(pk__in=ids)}

    reports: dict[UUID, list[Report]] = defaultdict(list)
    report_rows = Report.objects.filter(message_id__in=ids).order_by("-created_at", "-pk")
    for report in _with_reporters(_of_kind(report_rows, kind)):
        reports[report.message_id].append(report)

    threads = _threads(list(by_id.values()))
    items = []
    for row in rows:
        message = by_id.get(row["message_id"])
        if message is None:
            continue
        items.append(
            FlagQueueItem(
                message=message,
                report_count=row["report_count"],
                red_flag_count=row["red_flag_count"],
                open_count=row["open_count"],
                newest_report_at=row["newest_report_at"],
                acted_on=message.deleted or message.acted_on,
                reports=reports[message.pk],
                review_count=message.reviews_received,
                thread=threads[message.pk],
            )
        )
    return items


def item_reviews(*, message_id: UUID) -> list[Review]:
    """The reviews of one item's message, oldest first, with their reviewers (opened from the queue page)."""
    return list(Review.objects.filter(message_id=message_id).select_related("reviewer").order_by("created_at", "pk"))


def _threads(messages: list[Message]) -> dict[UUID, list[Message]]:
    """Each message's thread from its root, hidden messages included (moderators see them), in one query."""
    # Per tree, the messages above its deepest item (a tree whose item is its prompt gives none), with the trees
    # grouped by that depth.
    deepest: dict[UUID, int] = {}
    for message in messages:
        deepest[message.tree_id] = max(deepest.get(message.tree_id, 0), message.depth)
    trees_by_depth: dict[int, list[UUID]] = defaultdict(list)
    for tree_id, depth in deepest.items():
        trees_by_depth[depth].append(tree_id)
    above = Q(pk__in=[])
    for depth, tree_ids in trees_by_depth.items():
        above |= Q(tree_id__in=tree_ids, depth__lt=depth)
    ancestors = Message.objects.filter(above).only(*THREAD_FIELDS) if messages else []
    by_id = {message.pk: message for message in ancestors}
    threads = {}
    for message in messages:
        thread = [message]
        while thread[-1].parent_id is not None and thread[-1].parent_id in by_id:
            thread.append(by_id[thread[-1].parent_id])
        threads[message.pk] = thread[::-1]
    return threads
