"""The numbers of a dataset card: pure functions over rows, DataFrames and arrays (no database).

Agreement between annotators is Krippendorff's alpha, computed by the ``krippendorff`` package:

- Labels: a unit is a message, its values are the values its reviewers gave the label. The 5-point scales
  (quality, toxicity, humor, helpfulness, creativity, violence: 0, 0.25, 0.5, 0.75, 1) are taken at the
  interval level, the yes/no and flag labels (spam, fails_task, lang_mismatch, pii, ...: 0 or 1) at the
  nominal level. A label the platform does not know is nominal when its values are only 0 and 1, interval
  otherwise.
- Rankings: a unit is a reply that was ranked among its siblings (a parent and one of its children), its
  values are the positions (0 = best) each ranking of that parent gave it, at the ordinal level. Kendall's
  W (coefficient of concordance) is given beside it: per parent whose rankings ordered the same replies,
  then averaged over those parents.

Alpha depends only on the values within each unit, not on who gave them, so the reliability matrix has a
row per rating slot (a unit's first, second, ... value) instead of one per annotator: a few rows, however
many volunteers there are. Units with a single value carry no pairs and are left out. Alpha is None where
it is undefined: no unit with two values, or a single value in all of them (no variation to agree on).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from annotation.labels import LABELS_BY_NAME

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

NOMINAL = "nominal"
ORDINAL = "ordinal"
INTERVAL = "interval"

# The Hugging Face Hub's size categories (the ``size_categories`` of a dataset card), by upper bound.
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)


def size_category(count: int) -> str:
    """The Hub's size category of a dataset of ``count`` rows: ``n<1K``, ``1K<n<10K``, ... ``n>1T``."""
    for bound, name in SIZE_CATEGORIES:
        if count < bound:
            return name
    return "n>1T"


def hub_languages(codes: Iterable[str]) -> list[str]:
    """The Hub's language codes (ISO 639) of BCP-47 tags: the primary subtag, lower case, each once, sorted
    (``pt-BR`` and ``pt`` are ``pt``)."""
    return sorted({code.replace("_", "-").split("-")[0].lower() for code in codes if code and code.strip()})


def label_level(name: str, values: Iterable[float] = ()) -> str:
    """The level of measurement at which the agreement on label ``name`` is computed (see the module doc)."""
    label = LABELS_BY_NAME.get(name)
    if label is not None:
        return INTERVAL if label.widget == "scale" else NOMINAL
    return NOMINAL if set(values) <= {0.0, 1.0} else INTERVAL


def reliability_matrix(units: Sequence[Any], values: Sequence[float]) -> np.ndarray:
    """Krippendorff's reliability matrix of the ratings ``(units[i], values[i])``: a row per rating slot, a
    column per unit (in order of first appearance), NaN where a unit has fewer values than rows."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"unit": list(units), "value": np.asarray(values, dtype=float)}).dropna()
    if frame.empty:
        return np.empty((0, 0))
    codes, uniques = pd.factorize(frame["unit"])
    slots = frame.groupby(codes).cumcount().to_numpy()
    matrix = np.full((int(slots.max()) + 1, len(uniques)), np.nan)
    matrix[slots, codes] = frame["value"].to_numpy()
    return matrix


def krippendorff_alpha(units: Sequence[Any], values: Sequence[float], *, level: str) -> float | None:
    """Krippendorff's alpha of the ratings ``(units[i], values[i])`` at ``level`` (nominal, ordinal, interval),
    or None where it is undefined."""
    import krippendorff
    import numpy as np

    matrix = _pairable(reliability_matrix(units, values))
    observed = matrix[~np.isnan(matrix)]
    if matrix.shape[1] == 0 or len(np.unique(observed)) < 2:
        return None
    return _finite(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))


def _pairable(matrix: np.ndarray) -> np.ndarray:
    """The columns (units) with at least two values."""
    import numpy as np

    if matrix.size == 0:
        return np.empty((0, 0))
    return matrix[:, (~np.isnan(matrix)).sum(axis=0) >= 2]


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def label_agreement(ratings: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per label, Krippendorff's alpha of ``ratings`` (columns ``label``, ``unit``, ``value``: one row per value
    a reviewer gave), with its level, the number of units with two or more values and the values in them."""
    import numpy as np

    agreement: dict[str, dict[str, Any]] = {}
    for name, group in ratings.groupby("label", sort=True, observed=True):
        values = group["value"].to_numpy(dtype=float)
        level = label_level(str(name), np.unique(values[~np.isnan(values)]).tolist())
        matrix = _pairable(reliability_matrix(group["unit"].to_numpy(), values))
        agreement[str(name)] = {
            "level": level,
            "alpha": krippendorff_alpha(group["unit"].to_numpy(), values, level=level),
            "units": int(matrix.shape[1]),
            "ratings": int((~np.isnan(matrix)).sum()),
        }
    return agreement


def label_means(labels: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per label name, over the messages' aggregated labels (``{name: {"value": mean, "count": n}}``, as a
    message and its file line hold them): the mean of the messages' values (each message counts once), the
    number of messages with the label and the number of ratings behind them. Sorted by name."""
    sums: dict[str, float] = {}
    messages: dict[str, int] = {}
    ratings: dict[str, int] = {}
    for message_labels in labels:
        for name, label in (message_labels or {}).items():
            value = label.get("value") if isinstance(label, Mapping) else None
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
                continue
            sums[name] = sums.get(name, 0.0) + value
            messages[name] = messages.get(name, 0) + 1
            count = label.get("count")
            ratings[name] = ratings.get(name, 0) + (count if isinstance(count, int) and count > 0 else 0)
    return {
        name: {"mean": sums[name] / messages[name], "messages": messages[name], "ratings": ratings[name]}
        for name in sorted(sums)
    }


def ranking_positions(rankings: Iterable[tuple[Any, Sequence[Any], Sequence[int]]]) -> pd.DataFrame:
    """One row per ranked reply of each ranking ``(parent, ranked ids as shown, ranking as indices into
    them, best first)``: columns ``parent``, ``ranking`` (its number), ``item``, ``position`` (0 = best).
    A ranking that is not a permutation of its shown replies, or of fewer than two, is left out."""
    import pandas as pd

    rows: list[tuple[Any, int, str, int]] = []
    for number, (parent, shown, order) in enumerate(rankings):
        if not _is_permutation(order, shown):
            continue
        rows.extend((parent, number, str(shown[index]), position) for position, index in enumerate(order))
    return pd.DataFrame(rows, columns=["parent", "ranking", "item", "position"])


def _is_permutation(order: Sequence[Any], shown: Sequence[Any]) -> bool:
    """Whether ``order`` puts two or more distinct shown replies each in one place."""
    if len(shown) < 2 or len({str(item) for item in shown}) < len(shown):
        return False
    if not all(isinstance(index, int) and not isinstance(index, bool) for index in order):
        return False
    return sorted(order) == list(range(len(shown)))


def kendall_w(ranks: np.ndarray) -> float | None:
    """Kendall's coefficient of concordance W of ``ranks`` (a row per ranker, a column per item, no ties):
    12·S / (m²·(n³ - n)), S the sum of squared deviations of the items' rank sums from their mean."""
    import numpy as np

    ranks = np.asarray(ranks, dtype=float)
    m, n = ranks.shape if ranks.ndim == 2 else (0, 0)
    if m < 2 or n < 2:
        return None
    sums = ranks.sum(axis=0)
    s = float(((sums - sums.mean()) ** 2).sum())
    return 12 * s / (m**2 * (n**3 - n))


def ranking_agreement(positions: pd.DataFrame) -> dict[str, Any]:
    """The agreement between rankers of the same parent (see the module doc), from ``ranking_positions``."""
    by_parent: dict[Any, dict[int, dict[str, int]]] = {}
    for parent, ranking, item, position in positions.itertuples(index=False, name=None):
        by_parent.setdefault(parent, {}).setdefault(ranking, {})[item] = position
    ranked_twice = {parent: rankings for parent, rankings in by_parent.items() if len(rankings) >= 2}
    w_values = [w for rankings in ranked_twice.values() if (w := _parent_kendall_w(rankings)) is not None]
    alpha = None
    if len(positions):
        units = list(zip(positions["parent"], positions["item"], strict=True))
        alpha = krippendorff_alpha(units, positions["position"].to_numpy(dtype=float), level=ORDINAL)
    return {
        "method": "krippendorff_alpha_ordinal",
        "alpha": alpha,
        "parents": len(ranked_twice),
        "rankings": sum(len(rankings) for rankings in ranked_twice.values()),
        "kendall_w": sum(w_values) / len(w_values) if w_values else None,
        "kendall_w_parents": len(w_values),
    }


def _parent_kendall_w(rankings: dict[int, dict[str, int]]) -> float | None:
    """Kendall's W of the rankings of one parent that ordered its most frequent set of replies (a reply may
    have been hidden, or added, between two rankings)."""
    import numpy as np

    by_set: dict[tuple[str, ...], list[dict[str, int]]] = {}
    for ranking in rankings.values():
        by_set.setdefault(tuple(sorted(ranking)), []).append(ranking)
    items, same = max(by_set.items(), key=lambda entry: (len(entry[1]), entry[0]))
    return kendall_w(np.array([[ranking[item] for item in items] for ranking in same]))


def counts_by(rows: Iterable[Mapping[str, Any]], key: str, *, value: str = "count") -> dict[str, int]:
    """The sum of ``value`` per ``key`` over ``rows`` (as ``values(...).annotate(count=...)`` gives them),
    largest first, then by key."""
    totals: dict[str, int] = {}
    for row in rows:
        name = str(row[key])
        totals[name] = totals.get(name, 0) + int(row[value])
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))
