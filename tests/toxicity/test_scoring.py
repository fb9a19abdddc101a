"""The scoring job: queued after commit, batches, idempotent, flags once, auto-hide, failures."""

import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from annotation.models import Message, Report, TaskType, ToxicityScore
from annotation.services.reactions import edit_own_message
from annotation.services.submissions import submit_text
from annotation.services.task_handout import request_task
from exports.services.importing import import_file
from moderation.models import ModerationAction
from moderation.selectors.flag_queue import flag_queue
from moderation.services.automoderation import red_flag_count
from moderation.services.flags import dismiss_flags
from moderation.services.messages import restore_message
from tests.exports.conftest import SAMPLE
from tests.factories import UserFactory, make_prompt, make_reply
from tests.toxicity.conftest import KeywordClassifier
from toxicity import jobs
from toxicity.errors import ClassifierFailed, ClassifierUnavailable
from toxicity.models import MAX_ATTEMPTS, TOXICITY_REPORT_TYPE, PendingScore
from toxicity.selectors import queue_status
from toxicity.services import scoring
from toxicity.services.scoring import queue_messages, queue_written_message, score_pending

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["sql", "orm"])
def store_path(request, monkeypatch):
    """Every test runs on both paths of a batch: PostgreSQL's own statements and the ORM's portable one."""
    if request.param == "orm":
        monkeypatch.setattr(scoring, "_bulk_sql", lambda: False)
    return request.param


def queue(*messages):
    """Queue messages one after the other (the job their commit asks for does not run: the test's transaction is
    never committed)."""
    for message in messages:
        queue_messages(message_ids=[message.pk])


def score_of(message, model="keywords-1"):
    row = ToxicityScore.objects.filter(message=message, model_name=model).first()
    return row.scores if row else None


def submit_reply(text):
    make_prompt()
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    return submit_text(task=task, user=user, text=text), user


def test_a_submitted_message_is_queued_with_it_and_scored_once_committed(
    classifier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        reply, _ = submit_reply("You are an idiot.")
    # Queued in the message's own transaction (it stands or falls with it); the job is asked for on commit.
    assert PendingScore.objects.get().message_id == reply.pk and score_of(reply) is None
    assert callbacks and not classifier.calls
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    # The job ran (eagerly in the tests): the score is stored and the queue is empty.
    assert score_of(reply) == {"toxicity": 0.9, "insult": 0.45}
    assert not PendingScore.objects.exists() and classifier.calls == [["You are an idiot."]]


def test_an_edit_is_scored_again_in_place(classifier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reply, user = submit_reply("A kind answer.")
    assert score_of(reply)["toxicity"] == 0.02
    with django_capture_on_commit_callbacks(execute=True):
        edit_own_message(user=user, message=reply, text="An answer for an idiot.")
    assert score_of(reply)["toxicity"] == 0.9
    assert ToxicityScore.objects.filter(message=reply).count() == 1


def test_imported_messages_are_not_queued(classifier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_file(SAMPLE)
    assert Message.objects.exists() and not PendingScore.objects.exists()
    assert not ToxicityScore.objects.exclude(model_name="detoxify").exists() and not classifier.calls


def test_a_job_scores_the_oldest_waiting_messages_in_one_batch(classifier, settings):
    settings.TOXICITY_BATCH_SIZE = 4
    prompt = make_prompt(text="first")
    replies = [make_reply(prompt, text=f"reply {i}") for i in range(9)]
    queue(prompt, *replies)
    run = score_pending()
    assert (run.scored, run.more) == (4, True)
    assert classifier.calls == [["first", "reply 0", "reply 1", "reply 2"]]
    assert PendingScore.objects.count() == 6
    # The job goes on while its batches are full (and its time lasts): 4 and 2 more, then nothing is left.
    assert jobs.score_pending_messages.apply().get() == 6
    assert [len(call) for call in classifier.calls] == [4, 4, 2]
    assert not PendingScore.objects.exists() and ToxicityScore.objects.count() == 10
    # Idempotent: a job asked for by a message scored since finds nothing, and queueing again scores in place.
    assert score_pending().scored == 0 and len(classifier.calls) == 3
    queue(prompt)
    assert score_pending().scored == 1 and ToxicityScore.objects.count() == 10


def test_a_job_stops_taking_batches_when_its_time_is_over(classifier, settings, monkeypatch):
    settings.TOXICITY_BATCH_SIZE = 2
    prompt = make_prompt()
    queue(prompt, *(make_reply(prompt) for _ in range(4)))
    run = scoring.drain_queue(seconds=0)
    assert (run.scored, run.more) == (2, True) and PendingScore.objects.count() == 3
    asked = []
    monkeypatch.setattr(scoring, "request_scoring", lambda: asked.append(1))
    settings.TOXICITY_JOB_TIME_LIMIT = 0
    assert jobs.score_pending_messages.apply().get() == 2 and asked == [1]


def test_a_batch_costs_the_same_few_queries_whatever_its_size(use_classifier, settings, django_assert_num_queries):
    use_classifier(KeywordClassifier())
    settings.TOXICITY_BATCH_SIZE = 50
    prompt = make_prompt(text="You idiot.")
    queue(prompt, *(make_reply(prompt, text="idiot" if i % 2 else "fine") for i in range(40)))
    # The savepoint and its release, the batch, the scores, the flags; on PostgreSQL the relaxed commit; on the ORM
    # path the toxicity flags already there and the queue rows' deletion.
    postgresql = connection.vendor == "postgresql"
    with django_assert_num_queries(5 + postgresql + (0 if postgresql and scoring._bulk_sql() else 2)):
        run = score_pending()
    assert (run.scored, run.flagged) == (41, 21) and not PendingScore.objects.exists()
    assert Report.objects.filter(report_type=TOXICITY_REPORT_TYPE).count() == 21


def test_a_message_the_classifier_fails_on_keeps_its_place_in_the_queue(use_classifier):
    use_classifier(KeywordClassifier(crash_on="poison"))
    prompt = make_prompt(text="first")
    poison, later = make_reply(prompt, text="poison"), make_reply(prompt, text="later")
    queue(prompt, poison)
    queued_at = PendingScore.objects.get(pk=poison.pk).queued_at
    queue(later)
    assert score_pending().failed == 1
    pending = PendingScore.objects.get()
    assert (pending.message_id, pending.queued_at, pending.attempts) == (poison.pk, queued_at, 1)


def test_messages_in_languages_the_classifier_does_not_cover_are_left_unscored(use_classifier):
    classifier = use_classifier(KeywordClassifier(languages=frozenset({"en"})))
    english, german = make_prompt(text="idiot"), make_prompt(lang="de", text="Idiot")
    queue(english, german)
    run = score_pending()
    assert (run.scored, run.not_covered) == (1, 1)
    assert classifier.calls == [["idiot"]] and score_of(german) is None
    assert not PendingScore.objects.exists()


def test_a_toxic_message_enters_the_flag_queue_once_per_model(classifier, moderator, use_classifier):
    prompt = make_prompt()
    rude, kind = make_reply(prompt, text="What an idiot."), make_reply(prompt, text="Thanks!")
    queue(rude, kind)
    run = score_pending()
    assert run.flagged == 1
    flag = Report.objects.get(message=rude)
    assert (flag.report_type, flag.user, flag.reason) == (TOXICITY_REPORT_TYPE, None, "keywords-1")
    assert flag.labels == {"toxicity": 0.9, "insult": 0.45}
    page = flag_queue(kind="toxicity")
    assert [item.message.pk for item in page.items] == [rude.pk]
    assert flag_queue(kind="report").items == [] and flag_queue(kind="red_flag").items == []
    assert [item.message.pk for item in flag_queue().items] == [rude.pk]
    # A classifier's flag is not a volunteer's red flag: auto-moderation does not count it.
    assert red_flag_count(rude.pk) == 0
    # Scored again (an edit, a back-fill): no second flag, not even once a moderator dismissed the first.
    queue(rude)
    score_pending()
    dismiss_flags(moderator=moderator, message=rude, reason="fine")
    queue(rude)
    assert score_pending().flagged == 0
    assert Report.objects.filter(message=rude).count() == 1 and flag_queue().items == []
    # Another model flags it once for itself.
    use_classifier(KeywordClassifier(model_name="keywords-2"))
    queue(rude)
    assert score_pending().flagged == 1
    assert sorted(Report.objects.filter(message=rude).values_list("reason", flat=True)) == ["keywords-1", "keywords-2"]


def test_a_hidden_message_is_scored_but_not_flagged(classifier):
    rude = make_reply(make_prompt(), text="idiot", deleted=True)
    queue(rude)
    assert score_pending().scored == 1 and not Report.objects.exists()


def test_auto_hide_is_off_by_default(classifier, django_capture_on_commit_callbacks):
    rude = make_reply(make_prompt(), text="You worthless idiot.")
    queue(rude)
    with django_capture_on_commit_callbacks(execute=True):
        score_pending()
    rude.refresh_from_db()
    assert not rude.deleted and not ModerationAction.objects.exists()


def test_above_the_hide_threshold_auto_moderation_hides_the_message_once(
    classifier, settings, moderator, django_capture_on_commit_callbacks
):
    settings.TOXICITY_HIDE_THRESHOLD = 0.95
    prompt = make_prompt()
    worst = make_reply(prompt, text="You worthless idiot.")
    under = make_reply(worst, text="idiot")
    bad = make_reply(prompt, text="idiot")
    queue(worst, bad)
    with django_capture_on_commit_callbacks(execute=True):
        score_pending()
    worst.refresh_from_db(), under.refresh_from_db(), bad.refresh_from_db()
    assert worst.deleted and under.deleted and not bad.deleted
    action = ModerationAction.objects.get()
    assert (action.kind, action.moderator, action.message_id) == ("auto", None, worst.pk)
    assert action.details["rule"] == "toxicity_hide_threshold" and action.details["model"] == "keywords-1"
    assert action.details["score"] == 0.99 and set(action.details["hidden_ids"]) == {str(worst.pk), str(under.pk)}
    # Hiding resolved the flag: the item counts as acted on. A moderator who restores it is not overruled.
    assert [item.message.pk for item in flag_queue(state="acted_on").items] == [worst.pk]
    restore_message(moderator=moderator, message=worst, reason="satire")
    queue(worst)
    with django_capture_on_commit_callbacks(execute=True):
        score_pending()
    worst.refresh_from_db()
    assert not worst.deleted and ModerationAction.objects.filter(kind="auto").count() == 1


# --- Failures -------------------------------------------------------------------------------------------------------


@pytest.fixture
def missing_classifier(monkeypatch):
    calls = []

    def unavailable(values=None):
        calls.append(1)
        raise ClassifierUnavailable("No model at /models/toxic: config.json is missing (TOXICITY_MODEL_PATH).")

    monkeypatch.setattr(scoring, "get_classifier", unavailable)
    return calls


def test_with_the_classifier_missing_messages_are_accepted_and_scored_later(
    missing_classifier, use_classifier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply, _ = submit_reply("You idiot.")
    assert Message.objects.filter(pk=reply.pk).exists() and len(missing_classifier) == 1
    # The job asks to be retried after a few seconds (more after each failure, at most ten minutes).
    with pytest.raises(Retry) as retry:
        jobs.score_pending_messages.apply()
    assert 0 <= retry.value.when <= 5
    status = queue_status()
    assert status.waiting == 1 and not status.healthy and "config.json" in status.last_failure["error"]
    use_classifier(KeywordClassifier())
    assert jobs.score_pending_messages.apply().get() == 1
    assert score_of(reply)["toxicity"] == 0.9
    status = queue_status()
    assert status.waiting == 0 and status.healthy


def test_the_job_retries_with_back_off():
    task = jobs.score_pending_messages
    assert ClassifierUnavailable in task.autoretry_for and ClassifierFailed in task.autoretry_for
    assert SoftTimeLimitExceeded in task.autoretry_for
    assert task.retry_backoff and task.retry_jitter and task.retry_backoff_max == 600
    assert task.soft_time_limit == 300


def test_a_crashing_classifier_leaves_the_batch_waiting(use_classifier):
    classifier = use_classifier(KeywordClassifier(crash=True))
    prompt = make_prompt(text="a")
    queue(prompt, make_reply(prompt, text="b"))
    with pytest.raises(ClassifierFailed, match="crashed"):
        score_pending()
    # The batch failed, and so did a harmless text: the classifier is at fault, not a message.
    assert classifier.calls == [["a", "b"], [scoring.CANARY_TEXT]]
    assert list(PendingScore.objects.values_list("attempts", flat=True)) == [0, 0]
    assert not ToxicityScore.objects.exists() and "crashed" in queue_status().last_failure["error"]


def test_a_classifier_too_slow_for_the_job_leaves_the_batch_waiting(use_classifier):
    classifier = use_classifier(KeywordClassifier())

    def slow(texts):
        classifier.calls.append(list(texts))
        raise SoftTimeLimitExceeded()  # what Celery raises in a job past TOXICITY_JOB_TIME_LIMIT

    classifier.predict = slow
    queue(make_prompt(text="a"))
    with pytest.raises(SoftTimeLimitExceeded):
        score_pending()
    assert classifier.calls == [["a"]] and PendingScore.objects.get().attempts == 0


def test_a_message_that_breaks_the_classifier_does_not_hold_up_the_others(use_classifier):
    use_classifier(KeywordClassifier(crash_on="poison"))
    prompt = make_prompt(text="fine")
    poison = make_reply(prompt, text="poison pill")
    queue(prompt, poison, make_reply(prompt, text="idiot"))
    run = score_pending()
    assert (run.scored, run.failed, run.flagged) == (2, 1, 1)
    pending = PendingScore.objects.get()
    assert (pending.message_id, pending.attempts) == (poison.pk, 1) and "crashed" in pending.last_error
    # Alone in its batch, it is still told apart from a broken classifier.
    for _ in range(MAX_ATTEMPTS - 1):
        assert score_pending().failed == 1
    # Tried often enough: it waits for a back-fill, and operators see it.
    assert score_pending().scored == 0 and PendingScore.objects.get().attempts == MAX_ATTEMPTS
    assert queue_status().failing == 1


def test_a_queueing_failure_never_fails_the_submission(classifier, monkeypatch, django_capture_on_commit_callbacks):
    # A failed statement: in PostgreSQL it spoils the transaction it runs in, here only the savepoint.
    monkeypatch.setattr(scoring, "_QUEUE_ONE_SQL", "INSERT INTO no_such_table (message_id, queued_at) VALUES (%s, %s)")
    with django_capture_on_commit_callbacks(execute=True):
        reply, _ = submit_reply("Fine text.")
    assert Message.objects.filter(pk=reply.pk).exists() and not PendingScore.objects.exists()


def test_a_failed_queueing_leaves_the_transaction_usable(monkeypatch, django_capture_on_commit_callbacks):
    prompt = make_prompt()
    monkeypatch.setattr(scoring, "_QUEUE_ONE_SQL", "INSERT INTO no_such_table (message_id, queued_at) VALUES (%s, %s)")
    with transaction.atomic(), django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(DatabaseError):
            queue_written_message(message_id=prompt.pk)
        assert Message.objects.filter(pk=prompt.pk).exists()
    assert not callbacks and not PendingScore.objects.exists()


@pytest.mark.postgres
def test_queueing_a_written_message_is_one_round_trip(django_assert_num_queries, django_capture_on_commit_callbacks):
    prompt = make_prompt()
    # The savepoint, the upsert and its release in one query.
    with transaction.atomic(), django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(1):
        queue_written_message(message_id=prompt.pk)
    assert PendingScore.objects.get().message_id == prompt.pk and len(callbacks) == 1


def test_queueing_a_waiting_message_again_starts_its_attempts_over(django_capture_on_commit_callbacks):
    prompt = make_prompt()
    with transaction.atomic(), django_capture_on_commit_callbacks():
        queue_written_message(message_id=prompt.pk)
        PendingScore.objects.filter(pk=prompt.pk).update(attempts=2)
        queue_written_message(message_id=prompt.pk)
    assert PendingScore.objects.get().attempts == 0


def test_queueing_outside_a_transaction_commits_at_once(django_capture_on_commit_callbacks):
    prompt = make_prompt()
    queue_written_message(message_id=prompt.pk)
    assert PendingScore.objects.get().message_id == prompt.pk


def test_scoring_is_off_with_the_off_backend(settings, django_capture_on_commit_callbacks):
    settings.TOXICITY_BACKEND = "off"
    with django_capture_on_commit_callbacks(execute=True):
        submit_reply("You idiot.")
    assert not PendingScore.objects.exists() and jobs.score_pending_messages.apply().get() == 0


def test_toxicity_status_says_how_many_messages_wait(classifier, capsys):
    prompt = make_prompt()
    queue(prompt, make_reply(prompt))
    call_command("toxicity_status", "--unscored")
    out = capsys.readouterr().out
    assert "profanity_check" in out and "languages en" in out
    assert "Waiting for a score: 2 messages" in out and "en: 2 messages without a score" in out
