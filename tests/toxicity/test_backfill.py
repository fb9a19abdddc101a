"""``manage.py score_toxicity``: back-fills old and imported messages, resumable."""

import pytest
from django.core.management import CommandError, call_command

from annotation.models import Report, ToxicityScore
from tests.factories import make_prompt, make_reply
from tests.toxicity.conftest import KeywordClassifier
from tests.toxicity.tiny_models import build_tiny_model
from toxicity.models import PendingScore
from toxicity.services.scoring import queue_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages():
    prompt = make_prompt(text="prompt")
    english = [prompt, *(make_reply(prompt, text=f"reply {i}") for i in range(10)), make_reply(prompt, text="idiot")]
    german = [make_prompt(lang="de", text="Hallo"), make_prompt(lang="de-AT", text="Servus")]
    return {"en": english, "de": german}


def run(*args):
    call_command("score_toxicity", *args)


def scored_ids(model="keywords-1"):
    return set(ToxicityScore.objects.filter(model_name=model).values_list("message_id", flat=True))


def test_it_scores_every_message_the_classifier_covers_and_flags(use_classifier, messages, capsys):
    classifier = use_classifier(KeywordClassifier(languages=frozenset({"en"}), batch_size=5))
    waiting = messages["en"][0]
    queue_messages(message_ids=[waiting.pk])
    run()
    assert scored_ids() == {m.pk for m in messages["en"]}
    assert [len(call) for call in classifier.calls] == [5, 5, 2]
    assert Report.objects.filter(report_type="toxicity").count() == 1
    # A message waiting in the queue was scored too: it waits no more.
    assert not PendingScore.objects.exists()
    captured = capsys.readouterr()
    assert "Scoring 12 messages with keywords-1." in captured.out
    assert "Scored 12 messages (1 flagged, 0 failed)" in captured.out
    assert "12/12" in captured.err  # the progress bar
    # Nothing is missing any more: a second run scores nothing.
    run("--missing")
    assert len(classifier.calls) == 3


def test_an_interrupted_back_fill_goes_on_where_it_stopped(use_classifier, messages):
    classifier = use_classifier(KeywordClassifier(batch_size=4))
    real_predict = classifier.predict

    def interrupted_on_the_third_batch(texts):
        if len(classifier.calls) == 2:
            classifier.calls.append(list(texts))
            raise KeyboardInterrupt
        return real_predict(texts)

    classifier.predict = interrupted_on_the_third_batch
    with pytest.raises(CommandError, match="Interrupted after 8 messages scored; run again with --missing"):
        run()
    first = scored_ids()
    assert len(first) == 8
    classifier.predict = real_predict
    classifier.calls.clear()
    run("--missing")
    # Only the rest: nothing scored before is scored again.
    assert scored_ids() == {m.pk for m in messages["en"] + messages["de"]}
    assert {text for call in classifier.calls for text in call}.isdisjoint(
        {m.text for m in messages["en"] + messages["de"] if m.pk in first}
    )
    assert sum(len(call) for call in classifier.calls) == 14 - 8


def test_all_scores_again_and_resumes_from_the_last_id(use_classifier, messages):
    classifier = use_classifier(KeywordClassifier(batch_size=5))
    run()
    ordered = sorted(m.pk for m in messages["en"] + messages["de"])
    classifier.calls.clear()
    run("--all", "--after", str(ordered[9]))
    assert sum(len(call) for call in classifier.calls) == 4
    classifier.calls.clear()
    run("--all", "--no-flag")
    assert sum(len(call) for call in classifier.calls) == 14
    assert ToxicityScore.objects.count() == 14 and Report.objects.count() == 1


def test_the_all_hint_names_the_last_id_done(use_classifier, messages):
    classifier = use_classifier(KeywordClassifier(batch_size=5))
    real_predict = classifier.predict

    def crash_on_the_second_batch(texts):
        if len(classifier.calls) == 1:
            raise KeyboardInterrupt
        return real_predict(texts)

    classifier.predict = crash_on_the_second_batch
    ordered = sorted(m.pk for m in messages["en"] + messages["de"])
    with pytest.raises(CommandError, match=f"--all --after {ordered[4]}"):
        run("--all")


def test_languages_can_be_chosen_and_must_be_covered(use_classifier, messages):
    use_classifier(KeywordClassifier(languages=frozenset({"en", "de"})))
    run("--lang", "de")
    assert scored_ids() == {m.pk for m in messages["de"]}
    use_classifier(KeywordClassifier(model_name="english-only", languages=frozenset({"en"})))
    with pytest.raises(CommandError, match="english-only does not cover de"):
        run("--lang", "en,de")


def test_a_crashing_classifier_stops_the_back_fill_with_a_hint(use_classifier, messages):
    use_classifier(KeywordClassifier(crash=True))
    with pytest.raises(CommandError, match="crashed after 0 messages scored; run again with --missing"):
        run()


def test_a_transformer_model_folder_can_be_named(tmp_path, messages):
    folder = build_tiny_model(tmp_path / "tiny-multilingual", architecture="xlm-roberta", labels=("neutral", "toxic"))
    run("--model", str(folder), "--batch-size", "8")
    assert scored_ids("tiny-multilingual") == {m.pk for m in messages["en"] + messages["de"]}
    scores = ToxicityScore.objects.filter(model_name="tiny-multilingual").values_list("scores", flat=True)
    assert all(set(s) == {"toxicity"} and 0 <= s["toxicity"] <= 1 for s in scores)


def test_the_default_classifier_back_fills_english_only(messages):
    run("--no-flag")
    assert ToxicityScore.objects.count() == 12
    assert ToxicityScore.objects.values_list("model_name", flat=True).distinct().get().startswith("alt-profanity")
    with pytest.raises(CommandError, match="does not cover de"):
        run("--lang", "de")
