from collections.abc import Sequence

import pytest

from tests.factories import UserFactory
from toxicity.classifiers import Classifier


class KeywordClassifier(Classifier):
    """A stand-in classifier: texts with a rude word score high. It records its calls and can be told to crash."""

    def __init__(
        self,
        *,
        model_name: str = "keywords-1",
        languages: frozenset[str] | None = None,
        batch_size: int = 64,
        crash: bool = False,
        crash_on: str | None = None,
    ) -> None:
        self.model_name = model_name
        self.languages = languages
        self.batch_size = batch_size
        self.crash = crash
        self.crash_on = crash_on
        self.calls: list[list[str]] = []

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        if self.crash or (self.crash_on and any(self.crash_on in text for text in texts)):
            raise RuntimeError("the model crashed")
        scores = []
        for text in texts:
            lower = text.lower()
            value = 0.99 if "worthless" in lower else 0.9 if "idiot" in lower else 0.02
            scores.append({"toxicity": value, "insult": value / 2})
        return scores

    @property
    def scored(self) -> int:
        return sum(len(call) for call in self.calls)


@pytest.fixture(autouse=True)
def _scoring_on(settings):
    """The default backend, which the test settings turn off for the rest of the suite."""
    settings.TOXICITY_BACKEND = "profanity_check"


@pytest.fixture
def use_classifier(monkeypatch):
    """Make ``classifier`` the one the job and the command load: ``use_classifier(KeywordClassifier())``."""

    def install(classifier: Classifier) -> Classifier:
        import toxicity.classifiers as registry
        from toxicity.management.commands import score_toxicity
        from toxicity.services import scoring

        def get(values=None):
            return classifier

        for module in (registry, scoring, score_toxicity):
            monkeypatch.setattr(module, "get_classifier", get)
        return classifier

    return install


@pytest.fixture
def classifier(use_classifier):
    return use_classifier(KeywordClassifier())


@pytest.fixture
def moderator():
    return UserFactory(role="moderator")
