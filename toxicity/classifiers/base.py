"""What every toxicity classifier offers: a model name, the languages it covers, and scores for a batch of texts."""

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from toxicity.conf import primary_language

# The score fields of the oasst1 files (Detoxify's "unbiased" model), in their order.
DETOXIFY_FIELDS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
)


class Classifier(ABC):
    #: Stored with each score (``ToxicityScore.model_name``).
    model_name: str = ""
    #: The primary language subtags it covers (``en``); None for every language.
    languages: frozenset[str] | None = None
    #: Texts it scores per call at most (the job's batches are this size too).
    batch_size: int = 64

    def covers(self, lang: str) -> bool:
        return self.languages is None or primary_language(lang or "") in self.languages

    @abstractmethod
    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """One dict per text, in order: the Detoxify fields the model gives, each in [0, 1]."""


def headline_score(scores: Mapping[str, float]) -> float:
    """The one number thresholds compare with: ``toxicity``, or the highest field a model without it gives."""
    if "toxicity" in scores:
        return float(scores["toxicity"])
    return max((float(value) for value in scores.values()), default=0.0)
