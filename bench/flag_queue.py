"""Server time of the flag queue page on reference-scale data with 10,000 open flags (SPEC 5).

    .venv/bin/python bench/flag_queue.py [--database-url URL] [--skip-generate] [--trees 66497] [--flags 10000]
                                         [--renders 30]

Without --database-url it uses the PostgreSQL database ``oasst_bench_queue`` on 127.0.0.1 (created when missing),
migrates it and fills it with ``generate_oasst --trees 66497 --seed 1`` unless it already holds trees or --skip-
generate is given. Then --flags open flags (red flags and reports of the other types, a third of them on messages
flagged before, so that items gather several) and a tenth as many dismissed ones are written on random messages,
and the queue page is rendered in-process with the Django test client (DEBUG off) as a moderator, for each of a few
filter sets: a few times to warm up, then --renders times. Prints the median and 95th percentile of the time per
render (wall clock, and the median CPU time of this process), the median time of the selector alone, the number of
items and the number of queries of one render.
Everything the bench writes (flags, the moderator) is rolled back; the report table is vacuumed first, so that the
dead rows of earlier runs do not slow this one down.
"""

import argparse
import gc
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import add_reference_arguments, ensure_reference_trees, percentile, setup_django  # noqa: E402 (the project is on the path)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/oasst_bench_queue"
WARM_UP = 3
VARIANTS = (
    ("open, newest first", {}),
    ("open, most flagged first", {"sort": "most_flagged"}),
    ("open red flags, en", {"kind": "red_flag", "language": "en"}),
    ("open, page 40", {"page": "40"}),
    ("dismissed", {"state": "dismissed"}),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_reference_arguments(parser, database_url=DEFAULT_DATABASE_URL)
    parser.add_argument("--flags", type=int, default=10_000, help="open flags to write")
    parser.add_argument("--renders", type=int, default=30, help="timed renders per filter set")
    args = parser.parse_args()

    url = args.database_url
    setup_django(url)

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import Role, User
    from annotation.models import Message, Report
    from annotation.services.reactions import RED_FLAG
    from moderation.forms import FlagQueueFilterForm
    from moderation.selectors.flag_queue import flag_queue

    trees = ensure_reference_trees(args)

    # Every run writes its flags and rolls them back: clear what earlier runs left in the table and its indexes,
    # or the queries read more and more dead rows.
    connection.cursor().execute("VACUUM (ANALYZE) annotation_report")
    rng = random.Random(1)
    with transaction.atomic():
        # In id order: the seeded draws pick the same messages whatever order the rows lie in on disk.
        message_ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
        reporters = list(User.objects.filter(is_placeholder=False).order_by("pk").values_list("pk", flat=True)[:2000])
        reporters = reporters or [None]
        now = timezone.now()
        flagged: list = []
        reports = []
        types = [RED_FLAG, RED_FLAG, "spam", "offensive", "pii", "other"]
        for index in range(args.flags + args.flags // 10):
            if flagged and rng.random() < 1 / 3:
                message_id = rng.choice(flagged)
            else:
                message_id = rng.choice(message_ids)
                flagged.append(message_id)
            reports.append(
                Report(
                    message_id=message_id,
                    user_id=rng.choice(reporters),
                    report_type=rng.choice(types),
                    reason="bench",
                    labels={},
                    # The last tenth, written after the open ones: flags a moderator dismissed.
                    resolved_at=now if index >= args.flags else None,
                )
            )
            if index == args.flags - 1:
                flagged = []
        # Spread the flags over the last 30 days, written as they are: no second version of each row to update.
        for report in reports:
            report.created_at = now - timedelta(seconds=rng.randrange(30 * 86400))
        created_at = Report._meta.get_field("created_at")
        started = time.perf_counter()
        created_at.auto_now_add = False
        try:
            Report.objects.bulk_create(reports, batch_size=2000)
        finally:
            created_at.auto_now_add = True
        # What the bench itself holds (a row per message) is no server's: out of the heap the collector walks.
        message_count = len(message_ids)
        del message_ids, reports, flagged, reporters
        gc.collect()
        open_count = Report.objects.filter(resolved_at__isnull=True).count()
        open_messages = Report.objects.filter(resolved_at__isnull=True).values("message_id").distinct().count()
        print(
            f"Database: {trees} trees, {message_count} messages; {open_count} open flags on {open_messages} "
            f"messages (written in {time.perf_counter() - started:.1f} s). {args.renders} renders per filter set.\n"
        )
        connection.cursor().execute("ANALYZE annotation_report")

        moderator = User.objects.create(
            username="bench-moderator", role=Role.MODERATOR, tos_accepted_at=timezone.now(), is_active=True
        )
        client = Client(HTTP_HOST="localhost")
        client.force_login(moderator)
        page = reverse("moderation:flag_queue")

        header = f"{'filters':<28}{'median ms':>10}{'p95 ms':>10}{'cpu ms':>9}{'reads ms':>9}{'items':>7}{'queries':>9}"
        print(header)
        print("-" * len(header))
        for name, query in VARIANTS:
            for _ in range(WARM_UP):
                client.get(page, query)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page, query)
            assert response.status_code == 200, response.status_code
            query_count = len(queries)  # read now: the next request empties the query log
            items = response.content.decode().count('class="card queue-item"')
            times, cpu_times = [], []
            for _ in range(args.renders):
                started, cpu_started = time.perf_counter(), time.process_time()
                client.get(page, query)
                times.append((time.perf_counter() - started) * 1000)
                cpu_times.append((time.process_time() - cpu_started) * 1000)
            median, p95, cpu = statistics.median(times), percentile(times, 0.95), statistics.median(cpu_times)
            # The selector alone: the page's reads without the rendering.
            form = FlagQueueFilterForm(query)
            assert form.is_valid(), form.errors
            read_times = []
            for _ in range(args.renders):
                started = time.perf_counter()
                flag_queue(**form.selector_filters())
                read_times.append((time.perf_counter() - started) * 1000)
            reads = statistics.median(read_times)
            print(f"{name:<28}{median:>10.1f}{p95:>10.1f}{cpu:>9.1f}{reads:>9.1f}{items:>7}{query_count:>9}")
        transaction.set_rollback(True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
