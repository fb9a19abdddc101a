"""Pages of API lists. A cursor, not a page number: a list that grows while a client reads it (a moderation
queue, new exports) neither repeats nor skips rows from one page to the next."""

from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    """Newest first by ``created_at`` (PAGE_SIZE rows a page, up to ``max_page_size`` on request). A list
    ordered otherwise names a subclass with its own ``ordering`` (its first key decides the cursor's position)
    as its ``pagination_class``."""

    ordering = ("-created_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 200
