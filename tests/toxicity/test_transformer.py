"""The transformers backend, for real, on tiny randomly initialised models built in tmp_path (no download)."""

import numpy as np
import pytest

from tests.toxicity.tiny_models import build_tiny_model
from toxicity.classifiers import get_classifier, load_classifier
from toxicity.classifiers.transformer import TransformerClassifier
from toxicity.conf import export_model_names, toxicity_settings
from toxicity.errors import ClassifierUnavailable

TEXTS = [
    "you are a stupid idiot",
    "thank you for the help",
    "please explain how photosynthesis works , i love this answer !",
    "du bist ein dummer idiot",
    "tu es un idiot",
    "hate",
    "the weather is nice today and i love this answer thanks",
]


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("bert") / "toxic-bert-tiny", onnx=True)


@pytest.fixture(scope="module")
def xlmr_folder(tmp_path_factory):
    return build_tiny_model(
        tmp_path_factory.mktemp("xlmr") / "xlmr",
        architecture="xlm-roberta",
        labels=("neutral", "toxic"),
        problem_type=None,
        name_or_path="example/multilingual-toxicity-tiny",
    )


def test_a_multi_label_model_maps_its_labels_through_a_sigmoid(bert_folder):
    model = TransformerClassifier(path=bert_folder, runtime="torch")
    assert model.runtime == "torch" and model.languages is None and model.covers("de")
    assert model.model_name == "toxic-bert-tiny"
    logits = model.logits(TEXTS[:2])
    scores = model.predict(TEXTS[:2])
    fields = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
    for row, got in zip(logits, scores, strict=True):
        assert set(got) == set(fields)
        for index, name in enumerate(fields):
            assert got[name] == pytest.approx(1 / (1 + np.exp(-row[index])), abs=1e-6)
    # A random model: the two texts still get different scores.
    assert scores[0] != scores[1]


def test_batches_give_what_one_text_at_a_time_gives(bert_folder):
    batched = TransformerClassifier(path=bert_folder, runtime="torch", batch_size=3)
    single = [batched.predict([text])[0] for text in TEXTS]
    together = batched.predict(TEXTS)
    assert len(together) == len(TEXTS)
    for alone, in_batch in zip(single, together, strict=True):
        assert in_batch == pytest.approx(alone, abs=1e-5)


def test_onnx_runtime_is_used_when_the_folder_holds_model_onnx_and_agrees_with_pytorch(bert_folder):
    auto = TransformerClassifier(path=bert_folder, batch_size=4)
    torch_model = TransformerClassifier(path=bert_folder, runtime="torch", batch_size=4)
    assert auto.runtime == "onnx" and torch_model.runtime == "torch"
    for a, b in zip(auto.predict(TEXTS), torch_model.predict(TEXTS), strict=True):
        assert a == pytest.approx(b, abs=1e-4)


def test_a_multilingual_xlmr_model_with_toxic_and_neutral_classes(xlmr_folder):
    model = TransformerClassifier(path=xlmr_folder, batch_size=2)
    assert model.runtime == "torch" and model.mapping.activation == "softmax"
    assert model.model_name == "example/multilingual-toxicity-tiny"
    assert all(model.covers(lang) for lang in ("en", "de", "fr", "zh"))
    logits = model.logits(TEXTS)
    scores = model.predict(TEXTS)
    for row, got in zip(logits, scores, strict=True):
        expected = np.exp(row[1]) / np.exp(row).sum()
        assert got == {"toxicity": pytest.approx(expected, abs=1e-6)}
    # Texts longer than the model's positions are cut, not an error.
    assert len(model.predict(["idiot " * 500])) == 1
    assert TransformerClassifier(path=xlmr_folder, languages=["de", "fr"]).languages == frozenset({"de", "fr"})


def test_the_settings_choose_the_backend_its_threads_and_batch_size(settings, xlmr_folder):
    settings.TOXICITY_BACKEND = "transformers"
    settings.TOXICITY_MODEL_PATH = str(xlmr_folder)
    settings.TOXICITY_BATCH_SIZE = 5
    settings.TOXICITY_THREADS = 1
    settings.TOXICITY_LANGUAGES = ["de", "en-GB"]
    model = get_classifier()
    assert isinstance(model, TransformerClassifier) and model.batch_size == 5
    assert model.languages == frozenset({"de", "en"}) and not model.covers("fr")
    assert export_model_names() == ["detoxify", "example/multilingual-toxicity-tiny"]


def test_a_missing_or_unusable_model_is_unavailable(settings, tmp_path, bert_folder):
    with pytest.raises(ClassifierUnavailable, match=r"config\.json"):
        TransformerClassifier(path=tmp_path / "nowhere")
    settings.TOXICITY_BACKEND = "transformers"
    settings.TOXICITY_MODEL_PATH = ""
    with pytest.raises(ClassifierUnavailable, match="TOXICITY_MODEL_PATH"):
        load_classifier(toxicity_settings())
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    with pytest.raises(ClassifierUnavailable):
        TransformerClassifier(path=broken)
    plain = build_tiny_model(tmp_path / "plain")
    with pytest.raises(ClassifierUnavailable, match=r"model\.onnx"):
        TransformerClassifier(path=plain, runtime="onnx")
    unlabelled = build_tiny_model(tmp_path / "unlabelled", labels=("positive", "negative"))
    with pytest.raises(ClassifierUnavailable, match="TOXICITY_LABEL_MAP"):
        TransformerClassifier(path=unlabelled)
    assert TransformerClassifier(path=unlabelled, label_map={"negative": "toxicity"}).mapping.fields[1] == "toxicity"
