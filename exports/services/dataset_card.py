"""The dataset card of a release: statistics of the trees its files hold, plots and README.md.

The release build calls ``write_dataset_card(release_id=...)`` once the release's export jobs are ready. The
numbers are counted by the database over the messages the release's filter chooses (exports.selection), not
read back from the files; the card and the statistics are stored on the release, and README.md and the plots
in the default storage beside the release's files, under its directory.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import translation

from annotation.models import Message, Ranking, Review, TreeState
from exports import statistics as stats
from exports.card import render_card
from exports.errors import ReleaseNotFound
from exports.filters import ExportFilter
from exports.jsoncodec import loads
from exports.models import JobState, Release
from exports.plots import render_plots
from exports.releases import CARD_NAME, ReleaseFile, release_files, storage_name
from exports.selection import released_messages
from exports.storage import export_storage
from toxicity.conf import toxicity_settings
from toxicity.selectors import score_distribution

logger = logging.getLogger(__name__)
ROWS_PER_FETCH = 5000


def write_dataset_card(*, release_id: uuid.UUID, export_filter: ExportFilter | None = None) -> Release:
    """Count, draw and write the card of the release; ``export_filter`` defaults to that of its export jobs
    (the default export filter, anonymised with the release's seed, when it has none)."""
    try:
        release = Release.objects.get(pk=release_id)
    except Release.DoesNotExist:
        raise ReleaseNotFound() from None
    jobs = list(release.jobs.filter(state=JobState.READY).exclude(file=""))
    if export_filter is None:
        export_filter = release_filter(release, jobs)
    statistics = collect_statistics(export_filter)
    files = release_files(release, jobs)
    statistics["files"] = [_file_entry(file) for file in files]
    with translation.override(settings.LANGUAGE_CODE):
        images = render_plots(statistics)
        statistics["plots"] = {name.removeprefix("plots/").removesuffix(".png"): name for name in images}
        card = render_card(
            statistics=statistics,
            files=files,
            released_on=f"{release.created_at:%Y-%m-%d}",
            repo_id=settings.HF_DATASET_REPO_ID,
            license=settings.DATASET_LICENSE,
            pretty_name=settings.DATASET_PRETTY_NAME,
        )
    for name, image in images.items():
        _store(storage_name(release, name), image)
    _store(storage_name(release, CARD_NAME), card.encode())
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release_id)
        release.card = card
        release.statistics = statistics
        release.save(update_fields=["card", "statistics"])
    logger.info("Dataset card of release %s written: %d messages", release.pk, statistics["messages"]["total"])
    return release


def release_filter(release: Release, jobs: list | None = None) -> ExportFilter:
    """The filter of the release's export jobs (one for all its files)."""
    for job in jobs if jobs is not None else release.jobs.all():
        if job.filters:
            return ExportFilter.from_json(job.filters)
    return ExportFilter(anonymize_seed=release.anonymize_seed or None)


def collect_statistics(export_filter: ExportFilter) -> dict[str, Any]:
    """The statistics of the messages a flat message file of ``export_filter`` holds (JSON values)."""
    messages = released_messages(export_filter)
    message_counts = list(messages.values("lang", "role", "depth").annotate(count=Count("pk")).order_by())
    tree_counts = list(
        messages.values("tree__lang", "tree__state").annotate(count=Count("tree_id", distinct=True)).order_by()
    )
    contributors = messages.aggregate(count=Count("author", distinct=True))["count"]
    labels = stats.label_means(loads(text) for (text,) in _rows(messages, "labels", json=("labels",)))
    selection = export_filter.to_json()
    selection["anonymized"] = bool(selection.pop("anonymize_seed", None))
    return {
        "filter": selection,
        "trees": _tree_statistics(tree_counts),
        "messages": _message_statistics(message_counts),
        "contributors": contributors,
        "labels": labels,
        "agreement": {
            "labels": stats.label_agreement(_review_ratings(messages)),
            "ranking": stats.ranking_agreement(stats.ranking_positions(_rankings(messages))),
        },
        "toxicity": _toxicity_statistics(messages),
    }


def _toxicity_statistics(messages: QuerySet) -> dict[str, Any]:
    """Per language, the distribution of the ``toxicity`` score the files' ``detoxify`` field holds."""
    threshold = toxicity_settings().flag_threshold
    distribution = score_distribution(messages=messages, threshold=threshold)
    return {
        "threshold": threshold,
        "by_language": {
            lang: {
                "messages": dist.messages,
                "scored": dist.scored,
                "mean": dist.mean,
                "flagged": dist.flagged,
                "histogram": dist.histogram,
            }
            for lang, dist in sorted(distribution.items())
        },
    }


def _tree_statistics(rows: list[dict]) -> dict[str, Any]:
    state_order = list(TreeState.values)
    by_state = stats.counts_by(rows, "tree__state")
    by_state = dict(sorted(by_state.items(), key=lambda item: state_order.index(item[0])))
    by_language = stats.counts_by(rows, "tree__lang")
    by_language_and_state: dict[str, dict[str, int]] = {lang: {} for lang in by_language}
    for row in rows:
        by_language_and_state[row["tree__lang"]][row["tree__state"]] = row["count"]
    return {
        "total": sum(by_state.values()),
        "by_state": by_state,
        "by_language": by_language,
        "by_language_and_state": by_language_and_state,
    }


def _message_statistics(rows: list[dict]) -> dict[str, Any]:
    by_depth_and_role: dict[int, dict[str, int]] = {}
    for row in rows:
        by_role = by_depth_and_role.setdefault(row["depth"], {})
        by_role[row["role"]] = by_role.get(row["role"], 0) + row["count"]
    return {
        "total": sum(row["count"] for row in rows),
        "by_language": stats.counts_by(rows, "lang"),
        "by_role": stats.counts_by(rows, "role"),
        "by_depth": {str(depth): sum(by_depth_and_role[depth].values()) for depth in sorted(by_depth_and_role)},
        "by_depth_and_role": {str(depth): by_depth_and_role[depth] for depth in sorted(by_depth_and_role)},
    }


def _review_ratings(messages: QuerySet[Message]) -> Any:
    """Every numeric value of the reviews of ``messages``: a DataFrame of (label, unit, value), units numbered."""
    import pandas as pd

    units: dict[Any, int] = {}
    unit_column: list[int] = []
    values: list[dict] = []
    reviews = Review.objects.filter(message__in=messages)
    for message_id, text in _rows(reviews, "message_id", "values", json=("values",)):
        unit_column.append(units.setdefault(message_id, len(units)))
        values.append(loads(text) if text else {})
    # A column per label, NaN where a review has no (numeric) value for it; then a row per value.
    wide = pd.DataFrame.from_records(values, nrows=len(values)).apply(pd.to_numeric, errors="coerce")
    wide = wide.astype("float64").assign(unit=pd.Series(unit_column, dtype="int64"))
    ratings = wide.melt(id_vars="unit", var_name="label", value_name="value").dropna(subset=["value"])
    return ratings.astype({"label": "category"}).reset_index(drop=True)


def _rankings(messages: QuerySet[Message]) -> Iterator[tuple[Any, list, list]]:
    """(parent, ids as shown, order) of each ranking of the children of ``messages`` (not "not rankable")."""
    rankings = Ranking.objects.filter(parent__in=messages, not_rankable=False)
    columns = ("parent_id", "ranked_message_ids", "ranking")
    for parent, shown, order in _rows(rankings, *columns, json=columns[1:]):
        yield parent, loads(shown), loads(order)


def _rows(rows: QuerySet, *fields: str, json: tuple[str, ...] = ()) -> Iterator[tuple]:
    """The ``fields`` of each row, the JSON ones (``json``) as the text the database writes: ``loads`` decodes
    it several times faster than the field's own decoding."""
    casts = {f"{name}_text": Cast(name, TextField()) for name in json}
    columns = [f"{name}_text" if name in json else name for name in fields]
    return rows.order_by().annotate(**casts).values_list(*columns).iterator(chunk_size=ROWS_PER_FETCH)


def _file_entry(file: ReleaseFile) -> dict[str, Any]:
    return {"kind": file.kind.value, "name": file.name, "rows": file.rows, "size_bytes": file.size_bytes}


def _store(name: str, data: bytes) -> None:
    """Write ``data`` as ``name`` in the default storage, replacing a file of that name."""
    if export_storage().exists(name):
        export_storage().delete(name)
    saved = export_storage().save(name, ContentFile(data))
    if saved != name:
        logger.warning("Stored %s as %s", name, saved)
