"""The messages an export holds, as a queryset: what the dataset card counts without writing a file.

The export (exports.services.exporting) chooses trees by ``_trees_q`` and then walks each tree from its root:
a message an ``exclude`` filter drops takes every message under it along (in a tree file and in a flat file
alike), and a flat file holds the remaining messages that the ``only`` filters match. Here the walk is a
recursive query from the roots of the chosen trees, so the counts are those of the flat message file of the
same filter, made by the database.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from annotation.models import Message, MessageTree
from exports.filters import ExportFilter, Inclusion
from exports.services.exporting import _trees_q


def released_messages(export_filter: ExportFilter) -> QuerySet[Message]:
    """The messages of the flat message file that ``export_filter`` gives (one row each, no order)."""
    messages = Message.objects.filter(pk__in=RawSQL(*_kept_messages_sql(export_filter)))
    if export_filter.prompts_only:
        messages = messages.filter(parent__isnull=True)
    return messages.filter(_only_q(export_filter))


def _kept_messages_sql(export_filter: ExportFilter) -> tuple[str, list]:
    """The ids of the messages under no excluded message (themselves included), from the chosen trees' roots."""
    quote = connection.ops.quote_name
    table = quote(Message._meta.db_table)
    trees_sql, trees_params = MessageTree.objects.filter(_trees_q(export_filter)).values("pk").query.sql_with_params()
    kept = " AND ".join(_kept_conditions(export_filter)) or "TRUE"
    sql = (
        "WITH RECURSIVE kept (id) AS ("
        f" SELECT m.id FROM {table} m WHERE m.parent_id IS NULL AND m.tree_id IN ({trees_sql}) AND {kept}"
        " UNION ALL"
        f" SELECT m.id FROM {table} m INNER JOIN kept ON m.parent_id = kept.id WHERE {kept}"
        ") SELECT id FROM kept"
    )
    return sql, list(trees_params)


def _kept_conditions(export_filter: ExportFilter) -> list[str]:
    """The ``exclude`` filters as SQL conditions on a message row ``m`` (exporting._predicate's tests)."""
    conditions = []
    if export_filter.deleted == Inclusion.EXCLUDE:
        conditions.append("NOT m.deleted")
    if export_filter.rejected == Inclusion.EXCLUDE:
        # Undecided messages stay; only a review result of false ("spam") is dropped.
        conditions.append("(m.review_result IS NULL OR m.review_result)")
    if export_filter.synthetic == Inclusion.EXCLUDE:
        conditions.append("NOT m.synthetic")
    return conditions


def _only_q(export_filter: ExportFilter) -> Q:
    """The ``only`` filters and the user filter (exporting._predicate's tests for a match)."""
    q = Q()
    if export_filter.deleted == Inclusion.ONLY:
        q &= Q(deleted=True)
    if export_filter.rejected == Inclusion.ONLY:
        q &= Q(review_result=False)
    if export_filter.synthetic == Inclusion.ONLY:
        q &= Q(synthetic=True)
    if export_filter.user_id is not None:
        q &= Q(author_id=export_filter.user_id)
    return q
