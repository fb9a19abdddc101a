"""My work: the volunteer's own messages, reviews and rankings, filtered and paginated in a fixed number of queries."""

from dataclasses import dataclass, field

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


def _messages(user: User, f: WorkFilter) -> QuerySet:
    rows = Message.objects.filter(author=user, deleted=False).select_related("tree")
    if f.lang:
        rows = rows.filter(lang=f.lang)
    if f.tree_state:
        rows = rows.filter(tree__state=f.tree_state)
    if f.q:
        rows = rows.filter(text__icontains=f.q)
    return rows.order_by("-created_at", "-pk")


def _reviews(user: User, f: WorkFilter) -> QuerySet:
    rows = Review.objects.filter(reviewer=user, message__deleted=False).select_related("message__tree")
    if f.lang:
        rows = rows.filter(message__lang=f.lang)
    if f.tree_state:
        rows = rows.filter(message__tree__state=f.tree_state)
    if f.q:
        rows = rows.filter(Q(message__text__icontains=f.q) | Q(comment__icontains=f.q))
    return rows.order_by("-created_at", "-pk")


def _rankings(user: User, f: WorkFilter) -> QuerySet:
    rows = Ranking.objects.filter(user=user, parent__deleted=False).select_related("parent", "tree")
    if f.lang:
        rows = rows.filter(parent__lang=f.lang)
    if f.tree_state:
        rows = rows.filter(tree__state=f.tree_state)
    if f.q:
        rows = rows.filter(parent__text__icontains=f.q)
    return rows.order_by("-created_at", "-pk")


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
