#!/usr/bin/env bash
# Runs the whole suite. Database: DATABASE_URL if set, else PostgreSQL on 127.0.0.1:5432 if it
# answers, else SQLite (PostgreSQL-only tests skipped, said loudly). With CI=true PostgreSQL,
# Redis, Chromium and GNU gettext are required and nothing is skipped for want of them.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

port_open() { "$BIN/python" -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1', $1)))"; }

if [ "${CI:-}" = "true" ]; then
  export OASST_REQUIRE_SERVICES=1
  if ! port_open 5432; then
    echo "Starting PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  fi
  if ! port_open 6379; then
    echo "Starting Redis..."
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  fi
  missing=""
  [ -x /usr/bin/chromium ] || missing="$missing chromium"
  command -v xgettext >/dev/null || missing="$missing gettext"
  if [ -n "$missing" ]; then
    echo "Installing$missing..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
  if [ ! -f node_modules/axe-core/axe.min.js ]; then
    command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
    npm ci --silent
  fi
  for _ in $(seq 30); do port_open 5432 && port_open 6379 && break; sleep 1; done
fi

if [ -z "${DATABASE_URL:-}" ]; then
  if port_open 5432; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
  else
    echo "=================================================================="
    echo " PostgreSQL is not reachable: running on SQLite."
    echo " PostgreSQL-only tests (concurrency, ...) are SKIPPED."
    echo "=================================================================="
  fi
fi
if [ -z "${REDIS_URL:-}" ] && port_open 6379; then
  export OASST_TEST_REDIS_URL="redis://127.0.0.1:6379/15"
fi

"$BIN/ruff" check .
"$BIN/ruff" format --check .
# The layer contracts of pyproject.toml [tool.importlinter].
"$BIN/lint-imports" --no-logo
exec "$BIN/pytest" "$@"
