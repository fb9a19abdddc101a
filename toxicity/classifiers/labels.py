"""From a model's labels (``config.id2label``) to the Detoxify fields, and from its logits to probabilities.

Label names are compared in lower case with ``-`` and spaces read as ``_``. The names of Detoxify's models (original:
``toxic``, ``severe_toxic``, ``identity_hate``, ...; unbiased and multilingual: the fields themselves) map to their
fields; a label naming the clean class (``neutral``, ``non_toxic``, ``not_toxic``, ``normal``, ...) is the
negative class. A model with the generic labels ``LABEL_0`` / ``LABEL_1`` is read as non-toxic / toxic. Other
labels are ignored; ``TOXICITY_LABEL_MAP`` names the field of any label (or none: ``label=``).

Probabilities: a multi-label model (``problem_type`` ``multi_label_classification``, or several toxicity
categories and no negative class, as Detoxify's) gets a sigmoid per label; a single-label one (``toxic`` /
``non-toxic``) a softmax over its classes, its ``toxicity`` being one minus the probability of the negative
class(es) when it has one; a model with one output a sigmoid.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from toxicity.classifiers.base import DETOXIFY_FIELDS

NEGATIVE = "_negative"
ALIASES = {
    "toxicity": ("toxicity", "toxic", "toxic_comment", "offensive", "hate", "hateful", "abusive", "label_1"),
    "severe_toxicity": ("severe_toxicity", "severe_toxic", "severely_toxic"),
    "obscene": ("obscene", "obscenity", "profanity", "profane"),
    "identity_attack": ("identity_attack", "identity_hate"),
    "insult": ("insult", "insulting"),
    "threat": ("threat", "threatening"),
    "sexual_explicit": ("sexual_explicit", "sexually_explicit"),
    NEGATIVE: (
        *("neutral", "non_toxic", "nontoxic", "not_toxic", "normal", "clean", "safe", "none", "ok"),
        *("non_offensive", "not_offensive", "not_hate", "non_hate", "label_0"),
    ),
}
_BY_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
SIGMOID, SOFTMAX = "sigmoid", "softmax"


def normalize_label(label: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(label).strip().lower())


@dataclass(frozen=True)
class LabelMapping:
    """What each output of the model means: a Detoxify field, the negative class, or nothing (None)."""

    fields: tuple[str | None, ...]
    activation: str

    @property
    def negatives(self) -> list[int]:
        return [i for i, name in enumerate(self.fields) if name == NEGATIVE]

    def scores(self, logits: np.ndarray) -> list[dict[str, float]]:
        """The Detoxify fields of each row of ``logits`` (batch x labels)."""
        logits = np.asarray(logits, dtype=np.float64)
        if logits.ndim == 1:
            logits = logits[:, None]
        if self.activation == SOFTMAX:
            shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
            probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        else:
            probabilities = 1.0 / (1.0 + np.exp(-logits))
        negatives = self.negatives
        rows = []
        for row in probabilities:
            scores: dict[str, float] = {}
            for index, name in enumerate(self.fields):
                if name is None or name == NEGATIVE:
                    continue
                # Two labels of one field (``toxic`` and ``toxicity``): the higher counts.
                scores[name] = max(scores.get(name, 0.0), float(row[index]))
            if self.activation == SOFTMAX and negatives:
                # Every class but the clean one(s) is some kind of toxic.
                scores["toxicity"] = float(1.0 - sum(row[i] for i in negatives))
            rows.append({name: min(max(scores[name], 0.0), 1.0) for name in DETOXIFY_FIELDS if name in scores})
        return rows


def map_labels(
    id2label: Mapping[int, str] | Sequence[str],
    *,
    problem_type: str | None = None,
    overrides: Mapping[str, str] | None = None,
) -> LabelMapping:
    """The mapping of a model's labels; raises ValueError when none of them gives a score."""
    labels = [id2label[i] for i in sorted(id2label)] if isinstance(id2label, Mapping) else list(id2label)
    overrides = {
        normalize_label(label): normalize_label(field) if field else "" for label, field in (overrides or {}).items()
    }
    generic = sorted(normalize_label(label) for label in labels) == ["label_0", "label_1"]
    fields: list[str | None] = []
    for label in labels:
        key = normalize_label(label)
        if key in overrides:
            target = overrides[key]
            name = None if not target else NEGATIVE if target in (NEGATIVE, "negative") else _BY_ALIAS.get(target)
            if target and name is None:
                raise ValueError(f"TOXICITY_LABEL_MAP names an unknown field for {label!r}: {target!r}")
        elif key in ("label_0", "label_1") and not generic:
            name = None
        else:
            name = _BY_ALIAS.get(key)
        fields.append(name)
    if not any(name not in (None, NEGATIVE) for name in fields) and NEGATIVE not in fields:
        raise ValueError(
            f"none of the model's labels ({', '.join(map(str, labels))}) maps to a toxicity field; "
            "name them in TOXICITY_LABEL_MAP"
        )
    return LabelMapping(fields=tuple(fields), activation=_activation(fields, problem_type))


def _activation(fields: list[str | None], problem_type: str | None) -> str:
    if problem_type == "multi_label_classification" or len(fields) == 1:
        return SIGMOID
    if problem_type == "single_label_classification":
        return SOFTMAX
    if NEGATIVE in fields:
        return SOFTMAX
    categories = {name for name in fields if name is not None}
    return SIGMOID if len(categories) > 1 else SOFTMAX
