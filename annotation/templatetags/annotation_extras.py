"""Template helpers of the volunteer pages: markdown rendering, emoji reactions, the task chooser."""

from functools import lru_cache

import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml as escape_html
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from accounts.languages import language_name as native_language_name
from annotation.selectors.tasks import chooser_context
from annotation.services.reactions import EMOJIS

register = template.Library()


def _highlight(code: str, lang: str, attrs: str) -> str:
    """Fenced code in a language Pygments knows, highlighted on the server (classes styled by pygments.css)."""
    try:
        lexer = get_lexer_by_name(lang.strip()) if lang.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes the code itself.
    return f'<pre class="highlight"><code>{highlight(code, lexer, _code_formatter)}</code></pre>'


def _image_as_link(self, tokens, idx, options, env) -> str:
    """Images are not shown (no remote fetches): a link to them, named by their alt text, instead."""
    token = tokens[idx]
    src = escape_html(token.attrGet("src") or "")
    alt = escape_html(self.renderInlineAsText(token.children or [], options, env) or token.attrGet("src") or "")
    return f'<a href="{src}" class="md-image">🖼 {alt}</a>'


_code_formatter = HtmlFormatter(nowrap=True)
# Raw HTML in a message is shown as text (html=False); the result is cleaned again with an allow-list.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True, "highlight": _highlight}).enable(
    ["table", "strikethrough"]
)
_markdown.add_render_rule("image", _image_as_link)
ALLOWED_TAGS = {
    *("p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"),
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# Only the classes Pygments writes (token kinds) and ours survive the cleaning.
ALLOWED_CLASSES = {
    "span": {name for name in STANDARD_TYPES.values() if name},
    "pre": {"highlight"},
    "a": {"md-image"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Emoji code -> (symbol, accessible name).
EMOJIS_SHOWN = {
    "+1": ("👍", _("Thumbs up")),
    "-1": ("👎", _("Thumbs down")),
    "red_flag": ("🚩", _("Red flag")),
    "100": ("💯", _("Hundred points")),
    "rofl": ("🤣", _("Rolling on the floor laughing")),
    "clap": ("👏", _("Clapping")),
    "diamond": ("💎", _("Gem")),
    "heart_eyes": ("😍", _("Heart eyes")),
    "disappointed": ("😞", _("Disappointed")),
    "poop": ("💩", _("Pile of poo")),
    "skull": ("💀", _("Skull")),
}


@lru_cache(maxsize=2048)
def render_markdown(text: str) -> SafeString:
    html = _markdown.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
    )
    # Safe: cleaned by nh3 just above.
    return mark_safe(clean)


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """Markdown to sanitised HTML."""
    return render_markdown(str(text or ""))


@register.filter
def language_name(code: str) -> str:
    return native_language_name(code)


@register.inclusion_tag("annotation/partials/reactions.html")
def reactions(message, error=None) -> dict:
    """The emoji bar of a message: each emoji with its count and whether the viewer chose it."""
    mine = getattr(message, "my_reactions", set())
    counts = message.emojis or {}
    return {
        "message": message,
        "error": error,
        "emojis": [
            {
                "code": code,
                "symbol": EMOJIS_SHOWN.get(code, (code, code))[0],
                "name": EMOJIS_SHOWN.get(code, (code, code))[1],
                "count": counts.get(code, 0),
                "on": code in mine,
            }
            for code in EMOJIS
        ],
    }


@register.inclusion_tag("annotation/partials/task_chooser_body.html", takes_context=True)
def task_chooser(context: template.Context) -> dict:
    """The task chooser for the logged-in user, in the language asked for (``?lang=``) or remembered."""
    request = context["request"]
    lang = request.GET.get("lang") or request.session.get("task_lang")
    return {"csrf_token": context.get("csrf_token"), **chooser_context(user=request.user, lang=lang)}
