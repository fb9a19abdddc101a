"""Scoring messages (SPEC 7): the queue of new messages, the job's batches, and back-fills of old messages.

A message written through a task (or edited) is queued once its transaction commits (``queue_messages``, from the
``message_written`` signal) and a job is asked to score the queue. A job takes the oldest waiting messages, as many
as ``TOXICITY_BATCH_SIZE``, skipping those another job holds (``SKIP LOCKED``), so that when many messages arrive
one job scores them together and the jobs asked for by the others find nothing left to do. Scores are stored per
(message, model) as an upsert, so scoring twice is harmless. A message the classifier does not cover (its
language) leaves the queue unscored, for a back-fill with a backend that covers it. Imported messages are not
queued: ``backfill`` scores them, in id order, resumable.

A message scored at or above ``TOXICITY_FLAG_THRESHOLD`` gets one flag per model: a ``Report`` of type
``toxicity`` without a user, which puts it in the moderators' flag queue. Once committed, the
``message_scored_toxic`` signal tells moderation, which may hide it (``TOXICITY_HIDE_THRESHOLD``).

When the classifier cannot be loaded or fails, nothing is lost: the messages were accepted, stay queued, and the
job is retried with back-off; the failure is noted for ``toxicity_status`` and the flag queue page.
"""

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from annotation.models import Message, Report, ToxicityScore
from core.queue import enqueue
from toxicity.classifiers import Classifier, get_classifier, headline_score
from toxicity.conf import toxicity_settings
from toxicity.errors import ClassifierFailed, ClassifierUnavailable
from toxicity.models import MAX_ATTEMPTS, TOXICITY_REPORT_TYPE, PendingScore
from toxicity.signals import message_scored_toxic

logger = logging.getLogger(__name__)
LAST_FAILURE_KEY = "toxicity:last_failure"
# What a classifier that works at all can score.
CANARY_TEXT = "Hello, how are you?"


@dataclass
class ScoreRun:
    """What one job run or one back-fill batch did."""

    scored: int = 0
    # Messages in a language the classifier does not cover: left unscored.
    not_covered: int = 0
    flagged: int = 0
    failed: int = 0
    # The job took a full batch: more may wait.
    more: bool = False
    last_id: uuid.UUID | None = None
    # The messages scored at or above the flag threshold, for the signal.
    toxic: list[dict] = field(default_factory=list)
    # {message_id, error} of the messages the classifier failed on.
    failures: list[dict] = field(default_factory=list)

    def add(self, other: "ScoreRun") -> None:
        self.scored += other.scored
        self.not_covered += other.not_covered
        self.flagged += other.flagged
        self.failed += other.failed
        self.last_id = other.last_id or self.last_id


# --- The queue ----------------------------------------------------------------------------------------------------


def queue_messages(*, message_ids: Iterable[uuid.UUID], now: datetime | None = None) -> int:
    """Queue messages for scoring and, once committed, ask a job to score them. Returns how many ids were given.

    A message already waiting is queued anew (an edited text: the attempts start over). If a job is scoring it
    right now, this waits for that batch to commit and queues it again, so that the new text is scored too.
    """
    now = now or timezone.now()
    rows = [PendingScore(message_id=pk, queued_at=now) for pk in dict.fromkeys(message_ids)]
    if not rows:
        return 0
    PendingScore.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["message"], update_fields=["queued_at", "attempts"]
    )
    transaction.on_commit(request_scoring, robust=True)
    return len(rows)


# One message queued as queue_messages queues it, in one statement ({table}: the queue's table, quoted).
_QUEUE_ONE_SQL = (
    "INSERT INTO {table} (message_id, queued_at, attempts, last_error) VALUES (%s, %s, 0, '') "
    "ON CONFLICT (message_id) DO UPDATE SET queued_at = EXCLUDED.queued_at, attempts = EXCLUDED.attempts"
)
_SAVEPOINT = "toxicity_queue"


def queue_written_message(*, message_id: uuid.UUID, now: datetime | None = None) -> None:
    """Queue a message inside the transaction that writes it (a submission or an edit), so that a failure here
    leaves that transaction usable: the message is accepted either way (and a back-fill scores it if this failed).

    On PostgreSQL with client-side parameters (Django's default) the savepoint, the upsert and its release go to
    the server as one query, one round-trip instead of three; elsewhere a savepoint of Django's own.
    """
    now = now or timezone.now()
    sql = _QUEUE_ONE_SQL.format(table=connection.ops.quote_name(PendingScore._meta.db_table))
    fields = PendingScore._meta
    params = [
        fields.pk.get_db_prep_value(message_id, connection),
        fields.get_field("queued_at").get_db_prep_value(now, connection),
    ]
    if not (connection.in_atomic_block and _multi_statement_queries()):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    else:
        with connection.cursor() as cursor:
            try:
                cursor.execute(f"SAVEPOINT {_SAVEPOINT}; {sql}; RELEASE SAVEPOINT {_SAVEPOINT}", params)
            except Exception:
                cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}; RELEASE SAVEPOINT {_SAVEPOINT}")
                raise
    transaction.on_commit(request_scoring, robust=True)


def _multi_statement_queries() -> bool:
    """Whether one ``execute`` may hold several statements: PostgreSQL without server-side parameter binding."""
    options = connection.settings_dict.get("OPTIONS") or {}
    return connection.vendor == "postgresql" and options.get("server_side_binding") is not True


def request_scoring() -> None:
    """Ask a worker to score the queue; a broker that does not answer leaves it to the periodic job."""
    from toxicity.jobs import score_pending_messages

    try:
        enqueue(score_pending_messages)
    except Retry as retry:
        # Run in place (CELERY_TASK_ALWAYS_EAGER) and failed: the periodic run will score the queue.
        logger.warning("Toxicity scoring failed (%s); the messages wait for the periodic run", retry.exc)
    except Exception:
        logger.exception("Could not run the toxicity scoring job; the periodic run will score the queue")


def score_pending(
    *, classifier: Classifier | None = None, limit: int | None = None, clear_failure: bool = True
) -> ScoreRun:
    """Score the oldest waiting messages (at most ``limit``, default TOXICITY_BATCH_SIZE) in one transaction.

    Raises ClassifierUnavailable or ClassifierFailed when the classifier cannot score at all: the messages stay
    queued for the job's retry. A message the classifier fails on while it scores the rest of its batch is tried
    again later, at most MAX_ATTEMPTS times. A batch that scores clears the last failure noted (``clear_failure``;
    a drain clears it once, not per batch).
    """
    values = toxicity_settings()
    limit = limit or values.batch_size
    try:
        with transaction.atomic():
            _relaxed_commit()
            bulk_sql = _bulk_sql()
            rows = _take_batch(limit) if bulk_sql else _select_batch(limit)
            if not rows:
                return ScoreRun()
            ids = [row[0] for row in rows]
            classifier = classifier or get_classifier(values)
            run = _score_rows(rows, classifier=classifier, flag=True, now=timezone.now())
            if bulk_sql:
                # The batch left the queue as it was taken: the messages the classifier failed on come back.
                if run.failures:
                    _requeue_failed(rows, run.failures)
            else:
                failed = {item["message_id"] for item in run.failures}
                PendingScore.objects.filter(message_id__in=[pk for pk in ids if pk not in failed]).delete()
                if failed:
                    _note_attempts(run.failures)
            run.more = len(ids) == limit
            _announce_toxic(run)
    except (ClassifierUnavailable, ClassifierFailed, SoftTimeLimitExceeded) as error:
        note_failure(error)
        raise
    if run.scored and clear_failure:
        cache.delete(LAST_FAILURE_KEY)
    return run


def drain_queue(*, seconds: float, classifier: Classifier | None = None) -> ScoreRun:
    """Score batch after batch while the queue holds some and ``seconds`` are not over (a job's budget); ``more``
    says whether messages may still wait."""
    deadline = time.monotonic() + seconds
    total = ScoreRun()
    while True:
        run = score_pending(classifier=classifier, clear_failure=False)
        total.add(run)
        total.more = run.more
        if not run.more or time.monotonic() >= deadline:
            if total.scored:
                cache.delete(LAST_FAILURE_KEY)
            return total


def _bulk_sql() -> bool:
    """Whether the job's batch is taken and stored with PostgreSQL's own statements (DELETE ... RETURNING, arrays):
    fewer round-trips and no model instances; the ORM's portable path does the same elsewhere (SQLite)."""
    return connection.vendor == "postgresql"


def _select_batch(limit: int) -> list[tuple]:
    """The oldest waiting messages as (id, lang, text, deleted), their queue rows locked (not the messages: a
    volunteer may react to one meanwhile), skipping those another job holds."""
    waiting = (
        PendingScore.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(attempts__lt=MAX_ATTEMPTS)
        .order_by("queued_at", "message_id")
        .values_list("message_id", "message__lang", "message__text", "message__deleted")[:limit]
    )
    return list(waiting)


def _take_batch(limit: int) -> list[tuple]:
    """As _select_batch, but the queue rows are deleted as they are taken (in one statement, inside the batch's
    transaction: a batch that fails is rolled back and its rows are waiting again); each row ends with the queue
    row's (queued_at, attempts) for _requeue_failed."""
    queue, messages = (connection.ops.quote_name(model._meta.db_table) for model in (PendingScore, Message))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {queue} AS p USING {messages} AS m WHERE m.id = p.message_id AND p.message_id IN ("
            f"SELECT message_id FROM {queue} WHERE attempts < %s ORDER BY queued_at, message_id LIMIT %s "
            "FOR UPDATE SKIP LOCKED) RETURNING p.message_id, m.lang, m.text, m.deleted, p.queued_at, p.attempts",
            [MAX_ATTEMPTS, limit],
        )
        rows = cursor.fetchall()
    # The oldest first, as _select_batch gives them.
    return sorted(rows, key=lambda row: (row[4], row[0]))


def _requeue_failed(rows: list[tuple], failures: list[dict]) -> None:
    """Put the messages the classifier failed on back in the queue, in their place, with one more attempt."""
    errors = {item["message_id"]: item["error"] for item in failures}
    PendingScore.objects.bulk_create(
        [
            PendingScore(message_id=row[0], queued_at=row[4], attempts=row[5] + 1, last_error=errors[row[0]][:2000])
            for row in rows
            if row[0] in errors
        ]
    )


def _note_attempts(failures: list[dict]) -> None:
    errors = {item["message_id"]: item["error"] for item in failures}
    for row in PendingScore.objects.filter(message_id__in=errors):
        row.attempts += 1
        row.last_error = errors.get(row.message_id, "")[:2000]
        row.save(update_fields=["attempts", "last_error"])


def note_failure(error: Exception) -> None:
    """Keep the last failure for the operators' status line (the cache: no table row to keep in step)."""
    text = str(error) or type(error).__name__
    cache.set(LAST_FAILURE_KEY, {"at": timezone.now().isoformat(), "error": text[:500]}, timeout=7 * 86400)


def last_failure() -> dict | None:
    return cache.get(LAST_FAILURE_KEY)


# --- Back-fill ----------------------------------------------------------------------------------------------------


def backfill_candidates(
    *, classifier: Classifier, missing_only: bool = True, languages: Sequence[str] = (), after: uuid.UUID | None = None
) -> QuerySet:
    """The messages a back-fill scores, in id order: those in the languages asked for (default: all) that the
    classifier covers, and with ``missing_only`` only those it has not scored yet."""
    messages = Message.objects.all()
    codes = [code for code in languages if code]
    if codes:
        messages = messages.filter(_languages_q(codes))
    if classifier.languages is not None:
        messages = messages.filter(_languages_q(sorted(classifier.languages)))
    if missing_only:
        scored = ToxicityScore.objects.filter(message=OuterRef("pk"), model_name=classifier.model_name)
        messages = messages.filter(~Exists(scored))
    if after is not None:
        messages = messages.filter(pk__gt=after)
    return messages.order_by("pk")


def _languages_q(codes: Sequence[str]) -> Q:
    q = Q()
    for code in codes:
        q |= Q(lang__iexact=code) | Q(lang__istartswith=f"{code}-") | Q(lang__istartswith=f"{code}_")
    return q


def backfill(
    *,
    classifier: Classifier | None = None,
    missing_only: bool = True,
    languages: Sequence[str] = (),
    after: uuid.UUID | None = None,
    flag: bool = True,
    batch_size: int | None = None,
    on_batch: Callable[[ScoreRun], None] | None = None,
) -> ScoreRun:
    """Score old messages (imports included) in id order, one transaction per batch, so that an interrupted
    back-fill keeps what it did: run again with ``missing_only`` (or from ``after``, the last id done) to go on.
    ``on_batch`` hears of each committed batch (progress)."""
    classifier = classifier or get_classifier()
    batch_size = batch_size or classifier.batch_size
    total = ScoreRun(last_id=after)
    while True:
        candidates = backfill_candidates(
            classifier=classifier, missing_only=missing_only, languages=languages, after=total.last_id
        )
        rows = list(candidates.values_list("pk", "lang", "text", "deleted")[:batch_size])
        if not rows:
            return total
        with transaction.atomic():
            _relaxed_commit()
            run = _score_rows(rows, classifier=classifier, flag=flag, now=timezone.now())
            # A message waiting in the queue is done too (one the classifier failed on stays missing).
            failed = {item["message_id"] for item in run.failures}
            PendingScore.objects.filter(message_id__in=[row[0] for row in rows if row[0] not in failed]).delete()
            run.last_id = rows[-1][0]
            _announce_toxic(run)
        total.add(run)
        if on_batch is not None:
            on_batch(run)


# --- Scoring and storing ------------------------------------------------------------------------------------------


def _relaxed_commit() -> None:
    """A batch's commit does not wait for the disk: lost in a crash, the batch is lost whole (its queue rows come
    back with its scores gone) and is scored again; meanwhile the job does not spend a disk flush per batch."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")


def _predict(classifier: Classifier, texts: list[str]) -> list[dict[str, float]]:
    try:
        scores = classifier.predict(texts)
    except SoftTimeLimitExceeded:
        # Out of time: the job gives up this batch as a whole and is retried.
        raise
    except Exception as error:
        raise ClassifierFailed(f"{type(error).__name__}: {error}") from error
    if len(scores) != len(texts):
        raise ClassifierFailed(f"The classifier gave {len(scores)} results for {len(texts)} texts.")
    return scores


def _score_rows(rows: list[tuple], *, classifier: Classifier, flag: bool, now: datetime) -> ScoreRun:
    """Score ``rows`` (id, lang, text, deleted) and store the scores and flags; inside the caller's transaction."""
    run = ScoreRun()
    failures = run.failures
    covered = [row for row in rows if classifier.covers(row[1])]
    run.not_covered = len(rows) - len(covered)
    if not covered:
        return run
    try:
        results: list[dict[str, float] | None] = list(_predict(classifier, [row[2] for row in covered]))
    except ClassifierFailed:
        # A text may be what breaks the batch, or the classifier itself may be broken: a harmless text tells which.
        # Broken, the whole batch waits for the job's retry; else each text is scored alone and the ones it
        # fails on are counted against their messages.
        _predict(classifier, [CANARY_TEXT])
        results = []
        for row in covered:
            try:
                results.append(_predict(classifier, [row[2]])[0])
            except ClassifierFailed as single:
                results.append(None)
                failures.append({"message_id": row[0], "error": str(single)})
    scored = [(row, scores) for row, scores in zip(covered, results, strict=True) if scores is not None]
    run.failed = len(failures)
    if not scored:
        return run
    model_name = classifier.model_name
    _store_scores(scored, model_name=model_name, now=now)
    run.scored = len(scored)
    threshold = toxicity_settings().flag_threshold
    toxic = [(row, scores) for row, scores in scored if headline_score(scores) >= threshold]
    if toxic:
        run.toxic = [
            {"message_id": row[0], "model_name": model_name, "score": headline_score(scores), "scores": scores}
            for row, scores in toxic
        ]
        if flag:
            run.flagged = _flag(toxic, model_name=model_name, now=now)
    return run


def _store_scores(scored: list[tuple], *, model_name: str, now: datetime) -> None:
    """Upsert one score row per (message, model) in one statement."""
    if not _bulk_sql():
        ToxicityScore.objects.bulk_create(
            [
                ToxicityScore(message_id=row[0], model_name=model_name, scores=scores, created_at=now)
                for row, scores in scored
            ],
            update_conflicts=True,
            unique_fields=["message", "model_name"],
            update_fields=["scores", "created_at"],
        )
        return
    table = connection.ops.quote_name(ToxicityScore._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (message_id, model_name, scores, created_at) "
            "SELECT t.id, %s, t.scores::jsonb, %s FROM unnest(%s::uuid[], %s::text[]) AS t(id, scores) "
            "ON CONFLICT (message_id, model_name) DO UPDATE "
            "SET scores = EXCLUDED.scores, created_at = EXCLUDED.created_at",
            [model_name, now, [row[0] for row, _ in scored], [json.dumps(scores) for _, scores in scored]],
        )


def _flag(toxic: list[tuple], *, model_name: str, now: datetime) -> int:
    """One toxicity flag per (message, model), whether or not a moderator dealt with an earlier one: the upsert
    above holds the score rows' locks, so a concurrent scoring of the same messages waits and sees these flags
    (this runs as a statement of its own, after the upsert, so that it reads what that one waited for)."""
    live = {row[0]: {name: round(value, 4) for name, value in scores.items()} for row, scores in toxic if not row[3]}
    if not live:
        return 0
    if _bulk_sql():
        table = connection.ops.quote_name(Report._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (message_id, user_id, report_type, reason, labels, created_at) "
                "SELECT t.id, NULL, %s, %s, t.labels::jsonb, %s FROM unnest(%s::uuid[], %s::text[]) AS t(id, labels) "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS r WHERE r.message_id = t.id AND r.report_type = %s "
                "AND r.reason = %s)",
                [
                    *(TOXICITY_REPORT_TYPE, model_name, now),
                    *(list(live), [json.dumps(labels) for labels in live.values()]),
                    *(TOXICITY_REPORT_TYPE, model_name),
                ],
            )
            return cursor.rowcount
    flagged = set(
        Report.objects.filter(message_id__in=live, report_type=TOXICITY_REPORT_TYPE, reason=model_name).values_list(
            "message_id", flat=True
        )
    )
    new = [
        Report(message_id=pk, user=None, report_type=TOXICITY_REPORT_TYPE, reason=model_name, labels=labels)
        for pk, labels in live.items()
        if pk not in flagged
    ]
    Report.objects.bulk_create(new)
    return len(new)


def _announce_toxic(run: ScoreRun) -> None:
    if not run.toxic:
        return
    toxic, scored_at = list(run.toxic), timezone.now()

    def send() -> None:
        for item in toxic:
            for receiver, error in message_scored_toxic.send_robust(sender=ToxicityScore, scored_at=scored_at, **item):
                if isinstance(error, Exception):
                    logger.error("%s failed on toxic message %s", receiver, item["message_id"], exc_info=error)

    transaction.on_commit(send, robust=True)
