"""Template helpers of the datasets pages and of the header's datasets link."""

from django import template
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from accounts.models import User
from annotation.models import TreeState
from exports import policies

register = template.Library()


@register.filter
def can_export(user: User | AnonymousUser) -> bool:
    """``{% if user|can_export %}``: reads only the user already loaded for the request."""
    return policies.can_export(user)


@register.filter
def percent(done: int | None, total: int | None) -> int:
    """``{{ job.trees_done|percent:job.trees_total }}``: 0-100, 0 while the total is not known."""
    if not total:
        return 0
    return max(0, min(100, round(100 * (done or 0) / total)))


@register.filter
def filter_lines(filters: dict) -> list[str]:
    """An export's filters (ExportFilter.to_json()) as short lines, only where they differ from "everything"."""
    if not isinstance(filters, dict):
        return []
    lines = []
    states = [
        str(TreeState(state).label) if state in TreeState.values else state for state in filters.get("states") or []
    ]
    lines.append(_("States: %(states)s") % {"states": ", ".join(states) if states else _("all")})
    if filters.get("langs"):
        lines.append(_("Languages: %(langs)s") % {"langs": ", ".join(filters["langs"])})
    names = {"deleted": _("Deleted"), "rejected": _("Rejected"), "synthetic": _("Synthetic")}
    values = {"include": _("included"), "exclude": _("left out"), "only": _("only")}
    for key, label in names.items():
        value = filters.get(key)
        lines.append(f"{label}: {values.get(value, value)}")
    if filters.get("user_id"):
        lines.append(_("User: %(user)s") % {"user": filters["user_id"]})
    if filters.get("date_from"):
        lines.append(_("Created from %(moment)s") % {"moment": filters["date_from"]})
    if filters.get("date_to"):
        lines.append(_("Created before %(moment)s") % {"moment": filters["date_to"]})
    if filters.get("prompts_only"):
        lines.append(_("Prompts only"))
    if not filters.get("labels", True):
        lines.append(_("Without labels"))
    if not filters.get("events", True):
        lines.append(_("Without events"))
    if filters.get("anonymize_seed"):
        lines.append(_("Anonymized (seed %(seed)s)") % {"seed": filters["anonymize_seed"]})
    else:
        lines.append(_("Real ids"))
    return lines
