"""My work: the volunteer's own messages, reviews and rankings, filtered and paginated in a fixed number of queries."""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from accounts.models import User
from annotation.models import Message, Ranking, Review
from annotation.policies import can_edit_message
from annotation.services.reactions import message_is_editable

KINDS = ("messages", "reviews", "rankings")
PER_PAGE = 20


@dataclass(frozen=True)
class WorkFilter:
    kind: str = "messages"
    lang: str = ""
    tree_state: str = ""
    q: str = ""


@dataclass
class MyWork:
    filter: WorkFilter
    page: Page
    languages: list[str] = field(default_factory=list)


def review_state(message: Message) -> str:
    if message.review_result is True:
        return "accepted"
    if message.review_result is False:
        return "rejected"
    return "pending"


def _filtered(rows: QuerySet, f: WorkFilter, *, message: str, tree: str, texts: tuple[str, ...]) -> QuerySet:
    """``rows`` narrowed by the filter: ``message`` and ``tree`` are the lookups of the row's message and tree,
    ``texts`` the fields the words are looked for in."""
    if f.lang:
        rows = rows.filter(**{f"{message}lang": f.lang})
    if f.tree_state:
        rows = rows.filter(**{f"{tree}state": f.tree_state})
    if f.q:
        rows = rows.filter(reduce(or_, (Q(**{f"{text}__icontains": f.q}) for text in texts)))
    return rows.order_by("-created_at", "-pk")


def _messages(user: User, f: WorkFilter) -> QuerySet:
    rows = Message.objects.filter(author=user, deleted=False).select_related("tree")
    return _filtered(rows, f, message="", tree="tree__", texts=("text",))


def _reviews(user: User, f: WorkFilter) -> QuerySet:
    rows = Review.objects.filter(reviewer=user, message__deleted=False).select_related("message__tree")
    return _filtered(rows, f, message="message__", tree="message__tree__", texts=("message__text", "comment"))


def _rankings(user: User, f: WorkFilter) -> QuerySet:
    rows = Ranking.objects.filter(user=user, parent__deleted=False).select_related("parent", "tree")
    return _filtered(rows, f, message="parent__", tree="tree__", texts=("parent__text",))


def my_work(*, user: User, work_filter: WorkFilter, page_number: str | int | None = 1) -> MyWork:
    """One page of the user's work of one kind: a count, the rows and their languages (three queries)."""
    rows = {"messages": _messages, "reviews": _reviews, "rankings": _rankings}[work_filter.kind](user, work_filter)
    page = Paginator(rows, PER_PAGE).get_page(page_number)
    for row in page.object_list:
        if isinstance(row, Message):
            row.review_state = review_state(row)
            row.editable = can_edit_message(user, row) and message_is_editable(row)
            row.emoji_counts = {code: n for code, n in (row.emojis or {}).items() if not code.startswith("_") and n}
    languages = sorted(
        set(Message.objects.filter(author=user, deleted=False).values_list("lang", flat=True).distinct().order_by())
        | {work_filter.lang} - {""}
    )
    return MyWork(filter=work_filter, page=page, languages=languages)
