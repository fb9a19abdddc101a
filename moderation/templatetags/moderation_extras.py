"""Template helpers of the moderation pages and of the header's moderation links."""

import json

from django import template
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from moderation import policies

register = template.Library()

MAX_VALUE_LENGTH = 80


@register.filter
def can_moderate(user: User | AnonymousUser) -> bool:
    """``{% if user|can_moderate %}``: reads only the user already loaded for the request."""
    return policies.can_moderate(user)


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
