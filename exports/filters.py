"""What a dataset export holds (SPEC 8): one frozen object shared by the command, the pages and the jobs."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from annotation.models import TreeState
from core.errors import InvalidInput


class Inclusion(StrEnum):
    INCLUDE = "include"
    EXCLUDE = "exclude"
    ONLY = "only"


@dataclass(frozen=True)
class ExportFilter:
    """Trees are chosen by state, language and creation date; messages by the other fields.

    ``states`` empty means every state. ``rejected`` is about messages whose review result is false
    ("spam"). ``exclude`` drops the messages (and, in a tree, what sits under them); ``only`` and
    ``user_id`` keep the matching messages, with the thread leading to them in a tree file. ``date_to``
    is exclusive. With ``anonymize_seed`` every id is replaced by ``anonymous_id``. ``events`` are left out
    unless asked for, as the original exporter did.

    ``backup`` makes a file for operators that an import turns back into what was exported: with events and
    labels, and what the public format leaves out by rule (a ``review_result`` false with two reviews or
    fewer). It cannot be anonymized.
    """

    states: tuple[str, ...] = (TreeState.READY_FOR_EXPORT,)
    langs: tuple[str, ...] = ()
    deleted: Inclusion = Inclusion.EXCLUDE
    rejected: Inclusion = Inclusion.EXCLUDE
    synthetic: Inclusion = Inclusion.EXCLUDE
    user_id: uuid.UUID | None = None
    date_from: dt.datetime | None = None
    date_to: dt.datetime | None = None
    prompts_only: bool = False
    labels: bool = True
    events: bool = False
    anonymize_seed: str | None = None
    backup: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.states) - set(TreeState.values)
        if unknown:
            raise InvalidInput(_("Unknown tree state: %(states)s") % {"states": ", ".join(sorted(unknown))})
        for name in ("deleted", "rejected", "synthetic"):
            object.__setattr__(self, name, Inclusion(getattr(self, name)))
        if self.date_from and self.date_to and self.date_from >= self.date_to:
            raise InvalidInput(_("The start of the date range must be before its end."))
        if self.backup:
            if self.anonymize_seed is not None:
                raise InvalidInput(_("A backup cannot be anonymized."))
            object.__setattr__(self, "events", True)
            object.__setattr__(self, "labels", True)

    def to_json(self) -> dict:
        """The filter as JSON values, for a job row; ``from_json`` reads it back."""
        return {
            "states": list(self.states),
            "langs": list(self.langs),
            "deleted": self.deleted.value,
            "rejected": self.rejected.value,
            "synthetic": self.synthetic.value,
            "user_id": str(self.user_id) if self.user_id else None,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "prompts_only": self.prompts_only,
            "labels": self.labels,
            "events": self.events,
            "anonymize_seed": self.anonymize_seed,
            "backup": self.backup,
        }

    @classmethod
    def from_json(cls, data: dict) -> ExportFilter:
        return cls(
            states=tuple(data["states"]),
            langs=tuple(data["langs"]),
            deleted=data["deleted"],
            rejected=data["rejected"],
            synthetic=data["synthetic"],
            user_id=uuid.UUID(data["user_id"]) if data.get("user_id") else None,
            date_from=dt.datetime.fromisoformat(data["date_from"]) if data.get("date_from") else None,
            date_to=dt.datetime.fromisoformat(data["date_to"]) if data.get("date_to") else None,
            prompts_only=data["prompts_only"],
            labels=data["labels"],
            events=data["events"],
            anonymize_seed=data.get("anonymize_seed"),
            backup=data.get("backup", False),
        )

    @classmethod
    def everything(cls, **changes: object) -> ExportFilter:
        """Every tree and every message, as stored, with their events (what a round trip needs)."""
        fields = {"states": (), "deleted": "include", "rejected": "include", "synthetic": "include", "events": True}
        return cls(**{**fields, **changes})


def parse_inclusion(value: str) -> Inclusion:
    try:
        return Inclusion(value)
    except ValueError:
        raise InvalidInput(_("Expected include, exclude or only, not %(value)r.") % {"value": value}) from None


def parse_date_bound(value: str, *, end: bool) -> dt.datetime:
    """A date or a date and time (UTC unless given). A plain date as the end bound includes that day."""
    try:
        day = parse_date(value)
        parsed = None if day else parse_datetime(value)
    except ValueError:
        day = parsed = None
    if day is not None:
        parsed = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time())
    if parsed is None:
        raise InvalidInput(_("Not a date: %(value)r (expected YYYY-MM-DD).") % {"value": value})
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_user_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(_("Not a user id (a UUID): %(value)r.") % {"value": value}) from None


def anonymous_id(kind: str, value: str, seed: str) -> str:
    """A stable stand-in for an id: the same (kind, id, seed) always gives the same UUID."""
    digest = hashlib.sha256(f"{kind}\x1f{value}\x1f{seed}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))
