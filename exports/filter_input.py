"""An export's filter from what a person typed (the datasets page) or a client sent (the API): one set of
checks for both, each refusal an InvalidInput naming its field (``details["field"]``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.utils.translation import gettext as _

from annotation.models import TreeState
from annotation.services.submissions import LANG_TAG
from core.errors import InvalidInput
from exports.filters import ExportFilter, Inclusion, parse_date_bound

MAX_LANGS = 50
MAX_SEED_LENGTH = 64  # Release.anonymize_seed


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, field=field)


def split_langs(value: str) -> list[str]:
    """``"en, es pt-BR"`` as ``["en", "es", "pt-BR"]``."""
    return [part for part in value.replace(",", " ").split() if part]


def _date_bound(value: dt.date | dt.datetime | str | None, *, end: bool, field: str) -> dt.datetime | None:
    """A day (the end day included) or a moment (UTC unless given)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        value = value.isoformat()
    try:
        return parse_date_bound(str(value), end=end)
    except InvalidInput as error:
        raise _invalid(field, error.message) from None


def build_filter(
    *,
    states: Iterable[str] = (TreeState.READY_FOR_EXPORT,),
    langs: Iterable[str] = (),
    deleted: str = Inclusion.EXCLUDE,
    rejected: str = Inclusion.EXCLUDE,
    synthetic: str = Inclusion.EXCLUDE,
    user_id: uuid.UUID | str | None = None,
    date_from: dt.date | dt.datetime | str | None = None,
    date_to: dt.date | dt.datetime | str | None = None,
    prompts_only: bool = False,
    labels: bool = True,
    events: bool = True,
    anonymize_seed: str | None = None,
) -> ExportFilter:
    """The ExportFilter these values describe. ``states`` empty means every state, ``langs`` empty every language;
    an empty seed means none (the service may still anonymize, with a random one)."""
    states = tuple(dict.fromkeys(states))
    unknown = [state for state in states if state not in TreeState.values]
    if unknown:
        raise _invalid("states", _("Unknown tree state: %(states)s") % {"states": ", ".join(map(str, unknown))})
    langs = tuple(dict.fromkeys(langs))
    if len(langs) > MAX_LANGS:
        raise _invalid("langs", _("At most %(count)d languages.") % {"count": MAX_LANGS})
    for lang in langs:
        if not isinstance(lang, str) or not LANG_TAG.match(lang):
            raise _invalid("langs", _("Not a language tag such as en or pt-BR: %(value)s") % {"value": lang})
    inclusions = {}
    for name, value in (("deleted", deleted), ("rejected", rejected), ("synthetic", synthetic)):
        try:
            inclusions[name] = Inclusion(value)
        except ValueError:
            raise _invalid(name, _("Expected include, exclude or only.")) from None
    if user_id not in (None, "") and not isinstance(user_id, uuid.UUID):
        try:
            user_id = uuid.UUID(str(user_id))
        except ValueError:
            raise _invalid("user_id", _("Not a user id (a UUID).")) from None
    start = _date_bound(date_from, end=False, field="date_from")
    end = _date_bound(date_to, end=True, field="date_to")
    if start and end and start >= end:
        raise _invalid("date_to", _("The start of the date range must be before its end."))
    seed = (anonymize_seed or "").strip() or None
    if seed is not None and len(seed) > MAX_SEED_LENGTH:
        raise _invalid(
            "anonymize_seed", _("The seed may be at most %(count)d characters long.") % {"count": MAX_SEED_LENGTH}
        )
    if seed is not None and not seed.isprintable():
        raise _invalid("anonymize_seed", _("The seed may hold only printable characters."))
    return ExportFilter(
        states=states,
        langs=langs,
        user_id=user_id or None,
        date_from=start,
        date_to=end,
        prompts_only=bool(prompts_only),
        labels=bool(labels),
        events=bool(events),
        anonymize_seed=seed,
        **inclusions,
    )
