"""The default classifier: alt-profanity-check, a linear model (TF-IDF and a calibrated linear SVM) that ships inside
its PyPI package, so that it runs offline with nothing to download. It was trained on English texts only: it covers
``en`` and leaves messages in other languages unscored, for a backend that covers them.

The mapping to the Detoxify fields: the model gives one number, its calibrated probability that the text is
offensive or profane; it is stored as ``toxicity``. The six other fields are left out rather than guessed (the
model does not tell an insult from a threat). Its probabilities are sharper than Detoxify's: clean texts score near
0, texts with slurs or swearing near 1, so the same thresholds flag somewhat more than Detoxify would.
"""

from collections.abc import Sequence

from toxicity.classifiers.base import Classifier
from toxicity.conf import profanity_check_model_name
from toxicity.errors import ClassifierUnavailable

LANGUAGES = frozenset({"en"})


class ProfanityCheckClassifier(Classifier):
    def __init__(self, *, languages: Sequence[str] = (), batch_size: int = 64, model_name: str = "") -> None:
        try:
            # Importing the module loads its two pickled models (about a second).
            from profanity_check import profanity_check
        except Exception as error:  # a missing package, or models that fail to unpickle
            raise ClassifierUnavailable(f"alt-profanity-check could not be loaded: {error}") from error
        self._vectorizer = profanity_check.vectorizer
        self._model = profanity_check.model
        self.model_name = model_name or profanity_check_model_name()
        self.languages = LANGUAGES & frozenset(languages) if languages else LANGUAGES
        self.batch_size = batch_size

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        probabilities = self._model.predict_proba(self._vectorizer.transform(list(texts)))[:, 1]
        return [{"toxicity": float(p)} for p in probabilities]
