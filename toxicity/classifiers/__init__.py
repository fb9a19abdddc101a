"""The classifier the settings choose, loaded once per process (a job worker keeps it between jobs)."""

import threading

from toxicity.classifiers.base import DETOXIFY_FIELDS, Classifier, headline_score
from toxicity.conf import BACKEND_PROFANITY_CHECK, BACKEND_TRANSFORMERS, ToxicitySettings, toxicity_settings
from toxicity.errors import ClassifierUnavailable

__all__ = ["DETOXIFY_FIELDS", "Classifier", "get_classifier", "headline_score", "load_classifier"]

_lock = threading.Lock()
_loaded: dict[ToxicitySettings, Classifier] = {}


def load_classifier(values: ToxicitySettings) -> Classifier:
    """A new classifier for ``values``; raises ClassifierUnavailable when it cannot be loaded."""
    if values.backend == BACKEND_PROFANITY_CHECK:
        from toxicity.classifiers.profanity import ProfanityCheckClassifier

        return ProfanityCheckClassifier(
            languages=values.languages, batch_size=values.batch_size, model_name=values.model_name
        )
    if values.backend == BACKEND_TRANSFORMERS:
        if not values.model_path:
            raise ClassifierUnavailable("TOXICITY_BACKEND is transformers but TOXICITY_MODEL_PATH is not set.")
        from toxicity.classifiers.transformer import TransformerClassifier

        return TransformerClassifier(
            path=values.model_path,
            model_name=values.model_name,
            languages=values.languages,
            batch_size=values.batch_size,
            threads=values.threads,
            runtime=values.runtime,
            max_length=values.max_length,
            label_map=dict(values.label_map),
        )
    raise ClassifierUnavailable("Toxicity scoring is off (TOXICITY_BACKEND).")


def get_classifier(values: ToxicitySettings | None = None) -> Classifier:
    """The classifier of the current settings, loaded on first use and kept; a failed load is tried again next
    time (the model may have been put in place since)."""
    values = values or toxicity_settings()
    with _lock:
        classifier = _loaded.get(values)
        if classifier is None:
            classifier = _loaded[values] = load_classifier(values)
        return classifier
