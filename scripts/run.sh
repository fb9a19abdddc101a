#!/usr/bin/env bash
# `make run`: the web server on http://127.0.0.1:8000 plus a background worker with its scheduler, taking the
# task engine's jobs (queue "celery") and the dataset exports (queue "exports").
# Without REDIS_URL the worker's queue lives in var/broker (no Redis needed).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var/broker var/broker-processed

"$BIN/celery" -A oasst worker --beat --pool=solo --loglevel=WARNING --queues celery,exports \
  --schedule var/celerybeat-schedule >var/worker.log 2>&1 &
WORKER_PID=$!
trap 'kill $WORKER_PID 2>/dev/null || true' EXIT INT TERM
echo "Background worker started (log: var/worker.log)."

"$BIN/python" manage.py runserver 127.0.0.1:8000
