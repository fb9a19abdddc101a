import numpy as np
import pytest

from toxicity.classifiers.labels import NEGATIVE, SIGMOID, SOFTMAX, map_labels


def test_detoxify_original_labels_map_to_the_oasst_fields_with_a_sigmoid():
    mapping = map_labels(
        {0: "toxic", 1: "severe_toxic", 2: "obscene", 3: "threat", 4: "insult", 5: "identity_hate"}, problem_type=None
    )
    expected = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
    assert mapping.fields == expected and mapping.activation == SIGMOID
    (scores,) = mapping.scores(np.array([[0.0, -10.0, 10.0, 0.0, 0.0, 0.0]]))
    assert list(scores) == ["toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat"]
    assert scores["toxicity"] == pytest.approx(0.5) and scores["obscene"] == pytest.approx(1.0, abs=1e-4)
    assert scores["severe_toxicity"] == pytest.approx(0.0, abs=1e-4)


def test_detoxify_unbiased_labels_are_the_fields_themselves():
    labels = ["toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat", "sexual_explicit"]
    mapping = map_labels(dict(enumerate(labels)))
    assert mapping.fields == tuple(labels) and mapping.activation == SIGMOID


@pytest.mark.parametrize(
    "labels",
    [["non-toxic", "toxic"], ["neutral", "toxic"], ["NOT_TOXIC", "Toxic"], ["LABEL_0", "LABEL_1"], ["normal", "hate"]],
)
def test_a_toxic_non_toxic_model_gets_a_softmax(labels):
    mapping = map_labels(dict(enumerate(labels)))
    assert mapping.fields == (NEGATIVE, "toxicity") and mapping.activation == SOFTMAX
    (scores,) = mapping.scores(np.array([[0.0, np.log(3.0)]]))
    assert scores == {"toxicity": pytest.approx(0.75)}


def test_several_toxic_classes_of_a_single_label_model_add_up_against_the_clean_one():
    mapping = map_labels({0: "normal", 1: "offensive", 2: "insult"}, problem_type="single_label_classification")
    (scores,) = mapping.scores(np.log(np.array([[0.5, 0.3, 0.2]])))
    assert scores == {"toxicity": pytest.approx(0.5), "insult": pytest.approx(0.2)}


def test_the_problem_type_decides_when_given():
    assert map_labels({0: "neutral", 1: "toxic"}, problem_type="multi_label_classification").activation == SIGMOID
    assert map_labels({0: "toxic", 1: "insult"}, problem_type="single_label_classification").activation == SOFTMAX
    assert map_labels({0: "toxic"}).activation == SIGMOID


def test_unknown_labels_are_ignored_and_the_settings_may_name_them():
    mapping = map_labels({0: "toxic", 1: "spam"})
    assert mapping.fields == ("toxicity", None)
    mapping = map_labels({0: "ok-ish", 1: "bad"}, overrides={"bad": "toxicity", "OK-ish": "negative"})
    assert mapping.fields == (NEGATIVE, "toxicity") and mapping.activation == SOFTMAX
    assert map_labels({0: "toxic", 1: "insult"}, overrides={"insult": ""}).fields == ("toxicity", None)


def test_labels_that_give_no_score_are_refused():
    with pytest.raises(ValueError, match="TOXICITY_LABEL_MAP"):
        map_labels({0: "positive", 1: "negative"})
    with pytest.raises(ValueError, match="unknown field"):
        map_labels({0: "bad"}, overrides={"bad": "rudeness"})
    # LABEL_n with more than two labels says nothing.
    with pytest.raises(ValueError):
        map_labels({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
