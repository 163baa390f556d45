#!/usr/bin/env bash
# Run the test suite on PostgreSQL (the second CI pass; the first runs on SQLite).
#
# Starts the local cluster if it is not running, waits for it, then runs pytest with DATABASE_URL
# pointing at it (pytest-django creates and drops the test database test_<name>).
# Exits 0 with "skipping the PostgreSQL pass: <reason>" only when no server can run here at all.
# Extra arguments go to pytest, e.g. scripts/ci_postgres.sh tests/test_search.py -q
set -euo pipefail

cd "$(dirname "$0")/.."
export DATABASE_URL="${POSTGRES_TEST_URL:-postgres://postgres@127.0.0.1:5432/test}"
PYTHON="${PYTHON:-.venv/bin/python}"

skip() {
    echo "skipping the PostgreSQL pass: $1"
    exit 0
}

server_ready() {
    "$PYTHON" - <<'PY' >/dev/null 2>&1
import os, psycopg
psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=2).close()
PY
}

if ! server_ready; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        skip "no server answers at $DATABASE_URL and pg_ctlcluster is not installed"
    fi
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$version" ]; then
        skip "no server answers at $DATABASE_URL and no cluster exists under /etc/postgresql"
    fi
    echo "starting PostgreSQL $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start \
        || echo "pg_ctlcluster could not start $version/main (it may be starting already)"
    for _ in $(seq 1 30); do
        server_ready && break
        sleep 1
    done
    if ! server_ready; then
        # A cluster exists but will not come up: that is a failure to report, not a skip.
        echo "PostgreSQL $version/main did not accept connections at $DATABASE_URL within 30 s" >&2
        exit 1
    fi
fi

echo "running the test suite on PostgreSQL ($DATABASE_URL)"
exec "$PYTHON" -m pytest "$@"
