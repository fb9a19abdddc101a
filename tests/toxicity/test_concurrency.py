"""Jobs and edits racing on PostgreSQL: two jobs never score the same batch, and an edit made while its message is
being scored is scored too."""

import threading

import pytest
from django.db import connection

from annotation.models import ToxicityScore
from annotation.services.reactions import edit_own_message
from tests.factories import make_prompt, make_reply
from tests.toxicity.conftest import KeywordClassifier
from toxicity.models import PendingScore
from toxicity.services import scoring
from toxicity.services.scoring import queue_messages, score_pending

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class HeldClassifier(KeywordClassifier):
    """Scores its first batch only once released, so that a test acts while the batch is being scored."""

    def __init__(self) -> None:
        super().__init__()
        self.scoring = threading.Event()
        self.release = threading.Event()

    def predict(self, texts):
        if not self.scoring.is_set():
            self.scoring.set()
            assert self.release.wait(10)
        return super().predict(texts)


def in_thread(target):
    errors = []

    def run():
        try:
            target()
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_a_second_job_skips_the_batch_the_first_one_holds(monkeypatch, settings):
    settings.TOXICITY_BATCH_SIZE = 2
    classifier = HeldClassifier()
    monkeypatch.setattr(scoring, "get_classifier", lambda values=None: classifier)
    monkeypatch.setattr(scoring, "request_scoring", lambda: None)  # the jobs run here, by hand
    prompt = make_prompt(text="one")
    for message in (prompt, make_reply(prompt, text="two"), make_reply(prompt, text="three")):
        queue_messages(message_ids=[message.pk])
    first, errors = in_thread(score_pending)
    assert classifier.scoring.wait(10)
    second = score_pending()  # the first two are locked: it takes the third
    classifier.release.set()
    first.join(10)
    assert not errors and second.scored == 1
    assert sorted(len(call) for call in classifier.calls) == [1, 2]
    assert ToxicityScore.objects.count() == 3 and not PendingScore.objects.exists()


def test_an_edit_while_the_message_is_scored_is_scored_afterwards(monkeypatch):
    classifier = HeldClassifier()
    monkeypatch.setattr(scoring, "get_classifier", lambda values=None: classifier)
    monkeypatch.setattr(scoring, "request_scoring", lambda: None)
    reply = make_reply(make_prompt(), text="A kind answer.", review_result=None, review_count=0)
    queue_messages(message_ids=[reply.pk])
    job, errors = in_thread(score_pending)
    assert classifier.scoring.wait(10)
    edit, edit_errors = in_thread(
        lambda: edit_own_message(user=reply.author, message=reply, text="An answer for an idiot.")
    )
    edit.join(0.5)
    assert edit.is_alive()  # queueing the edit waits for the batch that holds the message
    classifier.release.set()
    job.join(10), edit.join(10)
    assert not errors and not edit_errors
    assert ToxicityScore.objects.get(message=reply).scores["toxicity"] == 0.02
    assert PendingScore.objects.filter(message=reply).exists()
    score_pending()
    assert ToxicityScore.objects.get(message=reply).scores["toxicity"] == 0.9
