"""A dataset card as HTML for the release page: its Markdown body rendered by markdown-it and sanitised by nh3.

As for messages (annotation_extras.render_markdown), raw HTML in the Markdown is shown as text and the result
is cleaned with an allow-list; the card also has images (its plots), which may only point inside the release
(relative paths), so that the page loads nothing from elsewhere.
"""

from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
ALLOWED_TAGS = {
    *("p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "img"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"),
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _keep_relative_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or value.startswith("/"):
            return None
    return value


@lru_cache(maxsize=32)
def render_card_html(markdown: str) -> SafeString:
    """The card's Markdown (without its YAML header) as sanitised HTML."""
    clean = nh3.clean(
        _markdown.render(markdown),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_keep_relative_images,
        link_rel="noopener noreferrer nofollow",
    )
    # Safe: cleaned by nh3 just above.
    return mark_safe(clean)
