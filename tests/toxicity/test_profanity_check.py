"""The default backend on real text: alt-profanity-check's own model, English only."""

import pytest

from toxicity.classifiers import get_classifier
from toxicity.classifiers.profanity import ProfanityCheckClassifier
from toxicity.conf import toxicity_settings

CLEAN = [
    "Thank you, that explanation of photosynthesis was really helpful.",
    "Could you suggest a recipe for a vegetarian lasagna?",
    "The train leaves at nine, so we should meet at the station at half past eight.",
]
RUDE = [
    "You are a stupid idiot and nobody likes you.",
    "Shut up, you worthless piece of shit.",
    "Fuck off, you dumb bitch.",
]


@pytest.fixture(scope="module")
def profanity():
    return ProfanityCheckClassifier()


def test_rude_texts_score_above_clean_ones(profanity):
    clean = [scores["toxicity"] for scores in profanity.predict(CLEAN)]
    rude = [scores["toxicity"] for scores in profanity.predict(RUDE)]
    assert max(clean) < 0.2 < 0.8 < min(rude)
    assert max(clean) < min(rude)


def test_it_gives_the_one_toxicity_field_in_order(profanity):
    mixed = [RUDE[0], CLEAN[0], RUDE[1]]
    scores = profanity.predict(mixed)
    assert [set(s) for s in scores] == [{"toxicity"}] * 3
    assert scores[0]["toxicity"] > scores[1]["toxicity"] < scores[2]["toxicity"]
    assert all(0.0 <= s["toxicity"] <= 1.0 for s in scores)
    assert profanity.predict([]) == []


def test_it_covers_english_only_and_names_its_version(profanity):
    assert profanity.covers("en") and profanity.covers("en-GB") and profanity.covers("EN_us")
    assert not profanity.covers("de") and not profanity.covers("es") and not profanity.covers("")
    assert profanity.model_name.startswith("alt-profanity-check-1.9")


def test_the_languages_setting_narrows_what_it_covers():
    assert ProfanityCheckClassifier(languages=["de"]).languages == frozenset()
    assert ProfanityCheckClassifier(languages=["en", "de"]).languages == frozenset({"en"})


def test_the_settings_choose_it_by_default_and_it_is_loaded_once(settings):
    from oasst import settings as project_settings

    assert project_settings.TOXICITY_BACKEND == "profanity_check"
    del settings.TOXICITY_BACKEND
    values = toxicity_settings()
    assert values.backend == "profanity_check" and values.batch_size == 512
    first = get_classifier(values)
    assert isinstance(first, ProfanityCheckClassifier) and get_classifier() is first
    settings.TOXICITY_MODEL_NAME = "profanity-pinned"
    assert get_classifier().model_name == "profanity-pinned"


def test_the_batch_size_defaults_to_the_backends_own(settings):
    settings.TOXICITY_BATCH_SIZE = 0
    assert toxicity_settings().batch_size == 512
    settings.TOXICITY_BACKEND = "transformers"
    assert toxicity_settings().batch_size == 64
    settings.TOXICITY_BATCH_SIZE = 100
    assert toxicity_settings().batch_size == 100
