"""Toxicity scoring: messages per second of the whole job path against the classifier's own batch throughput.

    .venv/bin/python bench/toxicity.py [--database-url URL] [--messages 20000] [--backend profanity_check|transformers]
                                       [--batch-size N] [--runs 3]

Without --database-url it uses the PostgreSQL database ``oasst_bench_toxicity`` on 127.0.0.1 (created and migrated
when missing) and writes --messages English messages of the lengths volunteers write (one tree of a prompt and its
replies per ten messages, about one in ten rude) unless it holds them already. For each backend (both unless
--backend; the transformers one is a tiny BERT built in a temporary folder with its ONNX export, so nothing is
downloaded) it measures, --runs times each and prints the medians:

- the floor: the classifier, already loaded, scoring the messages' texts in batches of --batch-size (default: the
  backend's own TOXICITY_BATCH_SIZE, 512 for alt-profanity-check and 64 for the transformer), the job's batches;
- the job path: every message queued as a submission queues it (the ``message_written`` receiver in a transaction
  that also runs a statement of its own, ``SELECT 1``, standing for the submission's; ``synchronous_commit`` off for
  it, since in production that commit, and its disk flush, is the submission's), counted as what it adds to the
  same transactions without the receiver (``tx ms``, measured first and subtracted), then the scoring job, in a
  worker whose classifier is loaded, run until the queue is empty (batches taken with SKIP LOCKED, scored, the
  scores upserted, toxic messages flagged, the queue rows deleted, one transaction per batch). ``cold/s`` adds the
  first load of the classifier in a new worker process;
- the store floor: the least database work the job does per message with no classifier, per batch one multi-row
  INSERT of the score rows and one DELETE of the queue rows in a transaction; the job cannot be faster than
  1 / (1 / floor + 1 / store floor), the bound printed last with the job path's and the drain's share of it.

Prints messages per second of both and the job path's share of the floor, the same for the job alone once the
messages are queued (``drain/s``: what a back-fill or a burst of arrivals sees), and where the time went (queueing
per message added to a submission, the first load, the classifier's own calls, the rest: the job's reads and
writes). Between runs the scores, flags and queue rows are deleted; the messages stay for the next invocation.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import setup_django  # noqa: E402 (the project is on the path)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/oasst_bench_toxicity"
WORDS = tuple(
    " ".join(
        (
            "the a of to and in is it you that for on with as this be at have from or can an by not but what all",
            "when we there use your which how about would if so time only make like more other some could them",
            "these than then first water been call who now find long down day did get come made may part python",
            "code example answer question explain help write data model simple list please thanks great idea story",
        )
    ).split(" ")
)
RUDE = ("idiot", "stupid", "shut up", "fuck", "shit", "worthless", "moron", "dumb", "hate")


def text(rng: random.Random, *, reply: bool) -> str:
    """As long as the generator's (exports/generator.py): replies 5 to 200 words, prompts 3 to 50."""
    count = int(rng.triangular(5, 200, 40) if reply else rng.triangular(3, 50, 10))
    words = rng.choices(WORDS, k=count)
    if rng.random() < 0.1:
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(RUDE))
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:] + ("." if reply else "?")


def write_messages(count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from annotation.models import Message, MessageTree, Role

    rng = random.Random(1)
    now = timezone.now()
    trees, messages = [], []
    for _ in range(0, count, 10):
        prompt = Message(role=Role.PROMPTER, lang="en", text=text(rng, reply=False), created_at=now)
        trees.append(MessageTree(id=prompt.id, state="growing", lang="en", origin="bench"))
        prompt.tree_id = prompt.id
        messages.append(prompt)
        for _ in range(min(9, count - len(messages))):
            messages.append(
                Message(
                    tree_id=prompt.id,
                    parent_id=prompt.id,
                    role=Role.ASSISTANT,
                    lang="en",
                    depth=1,
                    text=text(rng, reply=True),
                    created_at=now,
                )
            )
    with transaction.atomic():
        MessageTree.objects.bulk_create(trees, batch_size=2000)
        Message.objects.bulk_create(messages, batch_size=2000)


def clear_scores() -> None:
    from annotation.models import Report, ToxicityScore
    from toxicity.models import TOXICITY_REPORT_TYPE, PendingScore

    ToxicityScore.objects.all().delete()
    Report.objects.filter(report_type=TOXICITY_REPORT_TYPE).delete()
    PendingScore.objects.all().delete()


def floor(classifier, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        classifier.predict(texts[start : start + batch_size])
    return len(texts) / (time.perf_counter() - started)


def store_floor(ids: list, batch_size: int) -> float:
    """Messages per second of the least database work the job does per message, with no classifier: per batch of
    ``batch_size``, one transaction (``synchronous_commit`` off, as the job's) holding one multi-row INSERT of the
    score rows and one DELETE of the queue rows, in plain SQL."""
    import json

    from django.db import connection, transaction
    from django.utils import timezone

    from annotation.models import ToxicityScore
    from toxicity.models import PendingScore

    clear_scores()
    now = timezone.now()
    PendingScore.objects.bulk_create([PendingScore(message_id=pk, queued_at=now) for pk in ids], batch_size=5000)
    scores, pending = ToxicityScore._meta.db_table, PendingScore._meta.db_table
    started = time.perf_counter()
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        values = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
        params = []
        for pk in batch:
            params += [pk, "store-floor", json.dumps({"toxicity": 0.01}), now]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")
            cursor.execute(f"INSERT INTO {scores} (message_id, model_name, scores, created_at) VALUES {values}", params)
            cursor.execute(f"DELETE FROM {pending} WHERE message_id = ANY(%s)", [batch])
    rate = len(ids) / (time.perf_counter() - started)
    clear_scores()
    return rate


def job_path(ids: list) -> dict[str, float]:
    """Queue every message (one transaction each), then a running worker runs the job until the queue is empty."""
    from django.db import connection, transaction

    from annotation.models import Message, Report
    from toxicity import jobs
    from toxicity.classifiers import get_classifier
    from toxicity.receivers import message_written
    from toxicity.services import scoring

    clear_scores()
    classifier = get_classifier()
    asked = []
    scoring_request = scoring.request_scoring
    scoring.request_scoring = lambda: asked.append(1)  # the jobs the commits ask for: one run below does it all
    predict, spent = classifier.predict, [0.0]

    def timed(texts):
        began = time.perf_counter()
        try:
            return predict(texts)
        finally:
            spent[0] += time.perf_counter() - began

    try:
        # A submission's transaction holds the queue row; its commit (and the disk flush) is the submission's.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        # What the queueing adds to a submission: its transaction with a statement of its own, without and with.
        began = time.perf_counter()
        for _ in ids:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        bare = time.perf_counter() - began
        started = time.perf_counter()
        for pk in ids:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                message_written(sender=Message, message_id=pk)
        queued = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO on")
        classifier.predict = timed
        scored = jobs.score_pending_messages()
        ended = time.perf_counter()
    finally:
        classifier.predict = predict
        scoring.request_scoring = scoring_request
    assert scored == len(ids) and len(asked) == len(ids), (scored, len(asked), len(ids))
    return {
        "rate": len(ids) / (ended - started - bare),
        "queue_ms": (queued - started - bare) / len(ids) * 1000,
        "tx_ms": bare / len(ids) * 1000,
        "classifier": spent[0],
        "rest": ended - queued - spent[0],
        "total": ended - started - bare,
        "flagged": Report.objects.count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="created if missing (PostgreSQL)")
    parser.add_argument("--messages", type=int, default=20_000, help="messages to score")
    parser.add_argument("--backend", choices=("profanity_check", "transformers"), help="one backend (default both)")
    parser.add_argument("--batch-size", type=int, default=0, help="TOXICITY_BATCH_SIZE (default: the backend's)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure (medians printed)")
    args = parser.parse_args()

    url = args.database_url
    # TOXICITY_BATCH_SIZE 0: each backend's default.
    setup_django(url, TOXICITY_BATCH_SIZE=str(args.batch_size), TOXICITY_THREADS="1")

    from django.conf import settings
    from django.core.management import call_command

    from annotation.models import Message
    from toxicity.classifiers import get_classifier

    call_command("migrate", verbosity=0)
    if Message.objects.count() != args.messages:
        Message.objects.all().delete()
        print(f"Writing {args.messages} messages...", flush=True)
        write_messages(args.messages)
    rows = list(Message.objects.order_by("created_at", "pk").values_list("pk", "text"))
    ids, texts = [row[0] for row in rows], [row[1] for row in rows]
    mean_chars = sum(map(len, texts)) / len(texts)
    print(f"{len(ids)} messages, {mean_chars:.0f} characters on average.\n")

    backends = [args.backend] if args.backend else ["profanity_check", "transformers"]
    header = (
        f"{'backend':<36}{'floor/s':>8}{'job/s':>7}{'share':>6}{'drain/s':>8}{'share':>6}{'cold/s':>7}"
        f"{'load s':>7}{'tx ms':>6}{'queue ms':>9}{'model s':>8}{'rest s':>7}{'flags':>6}"
    )
    print(header)
    print("-" * len(header))
    bounds = []
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            settings.TOXICITY_BACKEND = backend
            if backend == "transformers":
                from tests.toxicity.tiny_models import build_tiny_model

                settings.TOXICITY_MODEL_PATH = str(build_tiny_model(Path(folder) / "tiny-toxic-bert", onnx=True))
            # A cold worker: the first load in this process (for transformers: importing torch, transformers and
            # onnxruntime too).
            started = time.perf_counter()
            classifier = get_classifier()
            load = time.perf_counter() - started
            runtime = f", {classifier.runtime}" if backend == "transformers" else ""
            batch_size = classifier.batch_size
            print(f"{backend}: {classifier.model_name}{runtime}, batches of {batch_size}", flush=True)
            name = f"{backend}, {batch_size}{runtime}"
            floor(classifier, texts[: batch_size * 4], batch_size)  # warm up
            floors = [floor(classifier, texts, batch_size) for _ in range(args.runs)]
            runs = [job_path(ids) for _ in range(args.runs)]
            stores = [store_floor(ids, batch_size) for _ in range(args.runs)]
            best = statistics.median(floors)
            store = statistics.median(stores)
            bound = 1 / (1 / best + 1 / store)
            job = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            cold = len(ids) / (job["total"] + load)
            drain = len(ids) / (job["classifier"] + job["rest"])
            print(
                f"{name[:35]:<36}{best:>8.0f}{job['rate']:>7.0f}{job['rate'] / best:>6.2f}{drain:>8.0f}"
                f"{drain / best:>6.2f}{cold:>7.0f}{load:>7.2f}{job['tx_ms']:>6.2f}{job['queue_ms']:>9.2f}"
                f"{job['classifier']:>8.2f}{job['rest']:>7.2f}{job['flagged']:>6.0f}"
            )
            bounds.append(f"{name[:35]:<36}{store:>8.0f}{bound:>8.0f}{job['rate'] / bound:>6.2f}{drain / bound:>6.2f}")
        clear_scores()
    # The job stores what the classifier scored: it cannot beat 1 / (1 / classifier + 1 / store), whatever its code.
    header = f"{'backend':<36}{'store/s':>8}{'bound/s':>8}{'job':>6}{'drain':>6}"
    print(f"\nThe store floor and the bound it sets (shares of the bound):\n{header}\n{'-' * len(header)}")
    print("\n".join(bounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
