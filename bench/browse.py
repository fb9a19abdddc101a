"""Server time of the browse page's search on reference-scale data.

    .venv/bin/python bench/browse.py [--database-url URL] [--skip-generate] [--trees 66497] [--renders 30]

Without --database-url it uses the PostgreSQL database ``oasst_bench_browse`` on 127.0.0.1 (created when missing),
migrates it (migration 0008 adds the messages' stored tsvector column and its GIN index) and fills it with
``generate_oasst --trees 66497 --seed 1`` unless it already holds trees or --skip-generate is given. Then
``/browse/`` is rendered in-process with the Django test client (DEBUG off) as a volunteer, for each of a few
query word sets and filters: a few times to warm up, then --renders times. Prints the median and 95th percentile
of the time per render (wall clock, and the median CPU time of this process), the median time of the selector
alone, the number of results and the number of queries of one render. The target is a median under 200 ms.
Everything the bench writes (the volunteer) is rolled back.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import add_reference_arguments, ensure_reference_trees, percentile, setup_django  # noqa: E402 (the project is on the path)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/oasst_bench_browse"
WARM_UP = 3
TARGET_MS = 200
# The generator's texts are English-like; common words, a rare one, a phrase, filters and a later page.
VARIANTS = (
    ("no words, newest trees", {}),
    ("one common word", {"q": "the"}),
    ("two words", {"q": "python code"}),
    ("rare word", {"q": "zebra"}),
    ("phrase", {"q": '"how do"'}),
    ("word, en, ready trees", {"q": "explain", "lang": "en", "state": "ready_for_export"}),
    ("word, date range", {"q": "write", "date_from": "2023-01-01", "date_to": "2023-02-28"}),
    ("word, page 10", {"q": "example", "page": "10"}),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_reference_arguments(parser, database_url=DEFAULT_DATABASE_URL)
    parser.add_argument("--renders", type=int, default=30, help="timed renders per query")
    args = parser.parse_args()

    url = args.database_url
    setup_django(url)

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from annotation.forms import BrowseForm
    from annotation.models import Message
    from annotation.selectors.browse import browse

    trees = ensure_reference_trees(args)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotation_message")
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('message_search_vector_idx'))")
        index_size = cursor.fetchone()[0]

    messages = Message.objects.count()
    print(f"Database: {trees} trees, {messages} messages; search index {index_size}. {args.renders} renders each.\n")
    slow = 0
    with transaction.atomic():
        volunteer = User.objects.create(username="bench-browser", tos_accepted_at=timezone.now(), is_active=True)
        client = Client(HTTP_HOST="localhost")
        client.force_login(volunteer)
        page = reverse("annotation:browse")

        header = f"{'query':<26}{'median ms':>10}{'p95 ms':>10}{'cpu ms':>9}{'reads ms':>9}{'results':>8}{'queries':>9}"
        print(header)
        print("-" * len(header))
        for name, query in VARIANTS:
            for _ in range(WARM_UP):
                client.get(page, query)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page, query)
            assert response.status_code == 200, response.status_code
            query_count = len(queries)
            results = response.content.decode().count('class="card browse-result')
            times, cpu_times = [], []
            for _ in range(args.renders):
                started, cpu_started = time.perf_counter(), time.process_time()
                client.get(page, query)
                times.append((time.perf_counter() - started) * 1000)
                cpu_times.append((time.process_time() - cpu_started) * 1000)
            median, p95, cpu = statistics.median(times), percentile(times, 0.95), statistics.median(cpu_times)
            form = BrowseForm(query)
            assert form.is_valid(), form.errors
            read_times = []
            for _ in range(args.renders):
                started = time.perf_counter()
                browse(viewer=volunteer, **form.selector_filters())
                read_times.append((time.perf_counter() - started) * 1000)
            reads = statistics.median(read_times)
            slow += median >= TARGET_MS
            print(f"{name:<26}{median:>10.1f}{p95:>10.1f}{cpu:>9.1f}{reads:>9.1f}{results:>8}{query_count:>9}")
        transaction.set_rollback(True)
    print(f"\nTarget: median under {TARGET_MS} ms; {slow} query set(s) above it.")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
