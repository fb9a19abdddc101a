"""Server time of rendering each task page type on reference-scale data (SPEC 9).

    .venv/bin/python bench/task_page.py [--database-url URL] [--skip-generate] [--trees 66497] [--renders 50]

Without --database-url it uses the PostgreSQL database ``oasst_bench_web`` on 127.0.0.1 (created when missing),
migrates it and fills it with ``generate_oasst --trees 66497 --seed 1`` unless it already holds trees or
--skip-generate is given. For each task type a bench volunteer is handed a task, its page is rendered with the
Django test client a few times to warm up, then --renders times; the median and 95th percentile of the time per
render (wall clock, and the median CPU time of this process, which a busy machine inflates less) and the number
of queries of one render are printed. Everything the bench writes is rolled back.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import add_reference_arguments, ensure_reference_trees, percentile, setup_django  # noqa: E402 (the project is on the path)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/oasst_bench_web"
WARM_UP = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_reference_arguments(parser, database_url=DEFAULT_DATABASE_URL)
    parser.add_argument("--renders", type=int, default=50, help="timed renders per task type")
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()

    url = args.database_url
    setup_django(url)

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from annotation.models import TaskType
    from annotation.services.task_handout import request_task
    from core.errors import DomainError

    trees = ensure_reference_trees(args)
    print(f"Database: {trees} trees. Language: {args.lang}. {args.renders} renders per task type.\n")

    header = f"{'task type':<26}{'median ms':>10}{'p95 ms':>10}{'cpu ms':>9}{'queries':>9}"
    print(header)
    print("-" * len(header))
    with transaction.atomic():
        user = User.objects.create(
            username="bench-volunteer", languages=[args.lang], tos_accepted_at=timezone.now(), is_active=True
        )
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for task_type in TaskType.values:
            try:
                task = request_task(user=user, lang=args.lang, task_type=task_type)
            except DomainError as error:
                print(f"{task_type:<26}{'-':>10}{'-':>10}{'-':>9}{'-':>9}  ({error.code})")
                continue
            page = reverse("annotation:task_detail", args=[task.pk])
            for _ in range(WARM_UP):
                client.get(page)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page)
            assert response.status_code == 200, response.status_code
            query_count = len(queries)  # read now: the next request empties the query log
            times, cpu_times = [], []
            for _ in range(args.renders):
                started, cpu_started = time.perf_counter(), time.process_time()
                client.get(page)
                times.append((time.perf_counter() - started) * 1000)
                cpu_times.append((time.process_time() - cpu_started) * 1000)
            median, p95, cpu = statistics.median(times), percentile(times, 0.95), statistics.median(cpu_times)
            print(f"{task_type:<26}{median:>10.1f}{p95:>10.1f}{cpu:>9.1f}{query_count:>9}")
        transaction.set_rollback(True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
