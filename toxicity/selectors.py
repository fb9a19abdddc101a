"""Reads of the toxicity app: the queue's state for operators, and score distributions for dataset cards."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    FloatField,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models import Value as V
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Floor, Least

from annotation.models import Message, ToxicityScore
from toxicity.conf import export_model_names, toxicity_settings
from toxicity.models import MAX_ATTEMPTS, PendingScore
from toxicity.services.scoring import last_failure


@dataclass
class QueueStatus:
    """How many messages wait for a score (``failing``: those the classifier failed on too often), since when,
    and the last failure of the classifier, if it has not scored since."""

    waiting: int
    failing: int
    oldest_queued_at: datetime | None
    last_failure: dict | None

    @property
    def healthy(self) -> bool:
        return self.last_failure is None and not self.failing


def queue_status() -> QueueStatus:
    """One query, on the queue's own small table."""
    row = PendingScore.objects.aggregate(
        waiting=Count("pk"), failing=Count("pk", filter=Q(attempts__gte=MAX_ATTEMPTS)), oldest=Min("queued_at")
    )
    return QueueStatus(
        waiting=row["waiting"], failing=row["failing"], oldest_queued_at=row["oldest"], last_failure=last_failure()
    )


def unscored_by_language(*, model_name: str) -> dict[str, int]:
    """The messages without a score from ``model_name``, per language (a scan of the messages: for commands)."""
    scored = ToxicityScore.objects.filter(message=OuterRef("pk"), model_name=model_name)
    rows = Message.objects.filter(~Exists(scored)).values("lang").annotate(n=Count("pk")).order_by("lang")
    return {row["lang"]: row["n"] for row in rows}


@dataclass
class ScoreDistribution:
    """The scores of one language's messages: ``histogram[i]`` counts scores in [i/bins, (i+1)/bins) (the last bin
    includes 1), ``flagged`` those at or above the flag threshold."""

    lang: str
    messages: int = 0
    scored: int = 0
    mean: float | None = None
    flagged: int = 0
    histogram: list[int] = field(default_factory=list)

    @property
    def flagged_share(self) -> float | None:
        return self.flagged / self.scored if self.scored else None


def score_distribution(
    *,
    messages: QuerySet | None = None,
    model_names: Sequence[str] | None = None,
    score_field: str = "toxicity",
    bins: int = 10,
    threshold: float | None = None,
) -> dict[str, ScoreDistribution]:
    """Per language, the distribution of one score field over ``messages`` (default: all), each message's score
    taken from the first of ``model_names`` that scored it (default: the export's models, so that a dataset card
    describes the ``detoxify`` field the files hold). Two queries, grouped in the database."""
    messages = Message.objects.all() if messages is None else messages
    names = list(model_names or export_model_names())
    threshold = toxicity_settings().flag_threshold if threshold is None else threshold
    scores = ToxicityScore.objects.filter(message=OuterRef("pk"), model_name__in=names)
    if len(names) > 1:
        preference = Case(
            *(When(model_name=name, then=V(i)) for i, name in enumerate(names)), output_field=IntegerField()
        )
        scores = scores.order_by(preference)
    value = Subquery(
        scores.annotate(value=Cast(KeyTextTransform(score_field, "scores"), FloatField())).values("value")[:1],
        output_field=FloatField(),
    )
    result: dict[str, ScoreDistribution] = {}
    for row in messages.values("lang").annotate(n=Count("pk")).order_by():
        lang = row["lang"]
        result[lang] = ScoreDistribution(lang=lang, messages=row["n"], histogram=[0] * bins)
    bucket = Least(Floor(Cast("score", FloatField()) * bins), V(bins - 1), output_field=IntegerField())
    grouped = (
        messages.annotate(score=value)
        .filter(score__isnull=False)
        .annotate(bucket=bucket, above=Case(When(score__gte=threshold, then=V(1)), default=V(0)))
        .values("lang", "bucket", "above")
        .annotate(n=Count("pk"), total=Sum("score"))
        .order_by()
    )
    sums: dict[str, float] = {}
    for row in grouped:
        dist = result.setdefault(row["lang"], ScoreDistribution(lang=row["lang"], histogram=[0] * bins))
        index = min(max(int(row["bucket"]), 0), bins - 1)
        dist.histogram[index] += row["n"]
        dist.scored += row["n"]
        dist.flagged += row["n"] if row["above"] else 0
        sums[row["lang"]] = sums.get(row["lang"], 0.0) + float(row["total"] or 0)
    for lang, dist in result.items():
        if dist.scored:
            dist.mean = sums[lang] / dist.scored
    return result
