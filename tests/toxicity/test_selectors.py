import pytest

from annotation.models import ToxicityScore
from tests.factories import make_prompt, make_reply
from toxicity.selectors import score_distribution

pytestmark = pytest.mark.django_db


def scored(message, value, model="keywords-1"):
    ToxicityScore.objects.create(message=message, model_name=model, scores={"toxicity": value, "insult": value / 2})
    return message


def test_the_distribution_per_language_of_the_exported_scores(settings):
    settings.TOXICITY_EXPORT_MODELS = ["detoxify", "keywords-1"]
    en = make_prompt()
    for value in (0.01, 0.05, 0.15, 0.85, 1.0):
        scored(make_reply(en), value)
    make_reply(en)  # never scored
    de = make_prompt(lang="de")
    scored(de, 0.5)
    # An imported Detoxify score comes first; another model's is not the export's.
    scored(de, 0.9, model="detoxify")
    scored(make_reply(de), 0.95, model="other-model")

    result = score_distribution(bins=10, threshold=0.8)
    assert set(result) == {"en", "de"}
    english = result["en"]
    assert (english.messages, english.scored, english.flagged) == (7, 5, 2)
    assert english.histogram == [2, 1, 0, 0, 0, 0, 0, 0, 1, 1]
    assert english.mean == pytest.approx((0.01 + 0.05 + 0.15 + 0.85 + 1.0) / 5)
    assert english.flagged_share == pytest.approx(0.4)
    german = result["de"]
    assert (german.messages, german.scored, german.flagged, german.mean) == (2, 1, 1, pytest.approx(0.9))
    assert german.histogram[9] == 1


def test_one_model_one_field_and_some_messages():
    en = make_prompt()
    scored(en, 0.3)
    scored(make_reply(en), 0.7)
    scored(make_prompt(lang="fr"), 0.2)
    result = score_distribution(
        model_names=["keywords-1"], score_field="insult", bins=4, messages=en.tree.messages.all()
    )
    assert list(result) == ["en"]
    assert result["en"].histogram == [1, 1, 0, 0] and result["en"].mean == pytest.approx(0.25)
    assert result["en"].flagged == 0
