"""Template helpers of the moderation pages and of the header's moderation links."""

import json
from datetime import datetime

from django import template
from django.contrib.auth.models import AnonymousUser
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.models import User
from moderation import policies

register = template.Library()

MAX_VALUE_LENGTH = 80


@register.filter
def can_moderate(user: User | AnonymousUser) -> bool:
    """``{% if user|can_moderate %}``: reads only the user already loaded for the request."""
    return policies.can_moderate(user)


@register.simple_tag
def time_element(value: datetime | None) -> SafeString | str:
    """``<time datetime="{{ value|date:'c' }}">{{ value|date:"SHORT_DATETIME_FORMAT" }}</time>`` with one conversion
    to local time and no format parsing for the ISO form: the flag queue shows hundreds of times."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(), formats.date_format(local, "SHORT_DATETIME_FORMAT")
    )


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_VALUE_LENGTH else f"{text[: MAX_VALUE_LENGTH - 1]}…"


@register.filter
def detail_lines(details: object) -> list[str]:
    """An action's details in a few short lines: ``field: before → after`` for what changed, ``key: value`` for
    the rest."""
    if not isinstance(details, dict):
        return [_short(details)] if details else []
    lines = []
    before, after = details.get("before"), details.get("after")
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
        for name in [*before, *(k for k in after if k not in before)]:
            lines.append(f"{name}: {_short(before.get(name, '—'))} → {_short(after.get(name, '—'))}")
    elif "before" in details or "after" in details:
        lines.append(f"{_short(details.get('before', '—'))} → {_short(details.get('after', '—'))}")
    lines += [f"{key}: {_short(value)}" for key, value in details.items() if key not in ("before", "after")]
    return lines
