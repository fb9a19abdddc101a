"""Many volunteers racing for the same slots on PostgreSQL: no slot is ever handed out beyond its capacity."""

import random
import threading
import time
import traceback
from collections import Counter

import pytest
from django.db import connection, transaction

from annotation.errors import NoTaskAvailable
from annotation.models import Message, MessageTree, Ranking, Review, Task, TaskState, TaskType, TreeState
from annotation.services import prompt_lottery, tree_checks
from annotation.services.task_handout import request_task
from core.errors import DomainError
from tests.annotation.workers import finish
from tests.factories import UserFactory, make_prompt, make_ranking_tree

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 32
SECONDS = 5
TYPES = [t for t in TaskType.values if t != TaskType.INITIAL_PROMPT]

# Each query lists slot rows whose results plus open claims exceed what they may take, in one snapshot.
OVER_CAPACITY = {
    "replies": """
        SELECT p.id FROM annotation_message p JOIN annotation_messagetree t ON t.id = p.tree_id
        WHERE (SELECT count(*) FROM annotation_message c
               WHERE c.parent_id = p.id AND NOT c.deleted AND c.review_result IS DISTINCT FROM false)
            + (SELECT count(*) FROM annotation_task k WHERE k.parent_message_id = p.id AND k.state = 'open'
               AND k.type IN ('assistant_reply', 'prompter_reply'))
            > CASE WHEN p.role = 'prompter' THEN t.max_children_count ELSE %(prompter_replies)s END
    """,
    "reviews": """
        SELECT m.id FROM annotation_message m
        WHERE (SELECT count(*) FROM annotation_review r WHERE r.message_id = m.id)
            + (SELECT count(*) FROM annotation_task k WHERE k.message_id = m.id AND k.state = 'open')
            > CASE WHEN m.parent_id IS NULL THEN %(prompt_reviews)s ELSE %(reply_reviews)s END
    """,
    "rankings": """
        SELECT p.id FROM annotation_message p
        WHERE (SELECT count(*) FROM annotation_ranking r WHERE r.parent_id = p.id)
            + (SELECT count(*) FROM annotation_task k WHERE k.parent_message_id = p.id AND k.state = 'open'
               AND k.type IN ('rank_assistant_replies', 'rank_prompter_replies'))
            > %(rankings)s
    """,
}


def over_capacity(cfg) -> dict[str, list]:
    params = {
        "prompter_replies": cfg.num_prompter_replies,
        "prompt_reviews": cfg.num_reviews_initial_prompt,
        "reply_reviews": cfg.num_reviews_reply,
        "rankings": cfg.num_required_rankings,
    }
    found = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for name, sql in OVER_CAPACITY.items():
            cursor.execute(sql, params)
            found[name] = [row[0] for row in cursor.fetchall()]
    return {name: rows for name, rows in found.items() if rows}


def seed_trees(growing: int) -> None:
    for _ in range(growing):
        make_prompt()
    for _ in range(2):
        make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    make_ranking_tree(replies=3)


@pytest.mark.parametrize("growing_trees", [1, 4])
def test_racing_volunteers_never_exceed_any_slot(settings, tree_manager, growing_trees):
    cfg = tree_manager(
        max_active_trees=50,
        rate_limit_task_requests=10_000,
        rate_limit_assistant_replies=10_000,
        rate_limit_prompter_replies=10_000,
    )
    seed_trees(growing_trees)
    users = [UserFactory() for _ in range(THREADS)]
    deadline = time.monotonic() + SECONDS
    lock = threading.Lock()
    outcomes: Counter = Counter()
    results: list[tuple[str, object]] = []
    crashes: list[str] = []
    violations: list[dict] = []
    snapshots = 0

    def volunteer(index: int) -> None:
        user, rnd = users[index], random.Random(index)
        try:
            while time.monotonic() < deadline:
                try:
                    task = request_task(user=user, lang="en", task_type=rnd.choice(TYPES))
                except NoTaskAvailable:
                    with lock:
                        outcomes["no_task_available"] += 1
                    continue
                try:
                    finish(task, user, spam=1.0 if rnd.random() < 0.15 else 0.0)
                except DomainError as error:
                    with lock:
                        outcomes[f"{error.code}:{task.type}"] += 1
                    continue
                task.refresh_from_db()
                with lock:
                    outcomes["done"] += 1
                    results.append((task.type, task.result))
        except Exception:
            crashes.append(traceback.format_exc())
        finally:
            connection.close()

    def observer() -> None:
        nonlocal snapshots
        try:
            while time.monotonic() < deadline:
                found = over_capacity(cfg)
                snapshots += 1
                if found:
                    violations.append(found)
                time.sleep(0.02)
        except Exception:
            crashes.append(traceback.format_exc())
        finally:
            connection.close()

    threads = [threading.Thread(target=volunteer, args=(i,)) for i in range(THREADS)]
    threads.append(threading.Thread(target=observer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not crashes, crashes[0]
    assert not violations, violations[:3]
    assert snapshots >= 3
    assert not over_capacity(cfg)
    # Contention really happened, and much work got through.
    assert outcomes["no_task_available"] >= 10 and outcomes["done"] >= 15, outcomes
    # The only refusal a submission may get is a tree that moved on (e.g. to ranking) under its task.
    assert all(key.startswith("tree_not_open:") for key in set(outcomes) - {"done", "no_task_available"}), outcomes

    # Every accepted submission is in the database, once.
    message_ids = [r["message_id"] for t, r in results if "message_id" in r]
    review_ids = [r["review_id"] for t, r in results if "review_id" in r]
    ranking_ids = [r["ranking_id"] for t, r in results if "ranking_id" in r]
    assert (
        Message.objects.filter(pk__in=message_ids, author__in=users).count()
        == len(set(message_ids))
        == len(message_ids)
    )
    assert Message.objects.filter(author__in=users).count() == len(message_ids)
    assert Review.objects.filter(pk__in=review_ids).count() == len(review_ids) == Review.objects.count()
    assert Ranking.objects.filter(pk__in=ranking_ids).count() == len(ranking_ids) == Ranking.objects.count()
    assert Task.objects.filter(state=TaskState.DONE).count() == outcomes["done"]
    assert not Task.objects.filter(state=TaskState.OPEN).exists()

    # The slot counters ended exactly where the rows say they should be, and every tree is where it belongs.
    assert not tree_checks.recheck_trees(), "counters or states drifted"


def test_a_lottery_without_a_free_slot_does_not_queue_behind_a_running_one(tree_manager):
    tree_manager(max_active_trees=1)
    make_prompt(state=TreeState.GROWING)
    waiting = make_prompt(state=TreeState.PROMPT_LOTTERY_WAITING)
    held, release = threading.Event(), threading.Event()

    def running_lottery():
        # Another submission's lottery, holding the language's lock until its transaction ends.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('prompt-lottery:en'))")
            held.set()
            release.wait(10)
        connection.close()

    other = threading.Thread(target=running_lottery)
    other.start()
    assert held.wait(10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        assert prompt_lottery.run_lottery(lang="en") == []
    finally:
        release.set()
        other.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert MessageTree.objects.get(pk=waiting.tree_id).state == TreeState.PROMPT_LOTTERY_WAITING
