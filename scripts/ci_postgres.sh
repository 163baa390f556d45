#!/usr/bin/env bash
# Run the test suite on PostgreSQL (the second CI pass; the first runs on SQLite).
#
# Starts the local cluster if no server answers, waits for it, creates the database the URL names
# if it is missing, then runs pytest with DATABASE_URL pointing at it (pytest-django creates and
# drops the test database test_<name>).
# Where no server can run here at all it prints "skipping the PostgreSQL pass: <reason>" and
# exits 0 on a developer's machine; under CI=true that is a failure (exit 1): .ci/run installs
# PostgreSQL, so a CI run must never pass without this pass.
# A server that answers but refuses us (a wrong password, a missing role) is named and fails.
# Extra arguments go to pytest, e.g. scripts/ci_postgres.sh tests/test_search.py -q
set -euo pipefail

cd "$(dirname "$0")/.."
export DATABASE_URL="${POSTGRES_TEST_URL:-postgres://postgres@127.0.0.1:5432/test}"
PYTHON="${PYTHON:-.venv/bin/python}"

skip() {
    if [ "${CI:-}" = "true" ]; then
        echo "the PostgreSQL pass cannot run: $1 (CI=true: failing rather than skipping)" >&2
        exit 1
    fi
    echo "skipping the PostgreSQL pass: $1"
    exit 0
}

# Exit status: 0 the server answers and the database exists (created here if it was missing);
# 2 no server answers; 1 the server answers but refuses (the reason on stderr).
prepare_database() {
    "$PYTHON" - "$@" <<'PY'
import os, sys
import psycopg
from psycopg import conninfo, sql

url = os.environ["DATABASE_URL"]
name = conninfo.conninfo_to_dict(url).get("dbname") or "postgres"
verbose = "--verbose" in sys.argv


def refused(error: Exception) -> int:
    # A reply from the server (FATAL: ...) means it is up and said no: that is the real error.
    message = str(error).strip()
    if "FATAL" in message or "ERROR" in message:
        print(f"PostgreSQL answers but refuses: {message}", file=sys.stderr)
        return 1
    if verbose:
        print(f"no PostgreSQL server answers: {message}", file=sys.stderr)
    return 2


# Ask the maintenance database first: the one in the URL may not exist yet.
try:
    admin = psycopg.connect(conninfo.make_conninfo(url, dbname="postgres"), connect_timeout=2)
except psycopg.Error as error:
    sys.exit(refused(error))
with admin:
    admin.autocommit = True
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        try:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as error:
            print(f"database {name!r} does not exist and could not be created: {error}",
                  file=sys.stderr)
            sys.exit(1)
        print(f"created database {name!r}")
try:
    psycopg.connect(url, connect_timeout=2).close()
except psycopg.Error as error:
    sys.exit(refused(error) or 1)
PY
}

status=0
prepare_database || status=$?
if [ "$status" -eq 2 ]; then
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
        status=0
        prepare_database || status=$?
        [ "$status" -ne 2 ] && break
        sleep 1
    done
    if [ "$status" -eq 2 ]; then
        # A cluster exists but will not come up: that is a failure to report, not a skip.
        prepare_database --verbose || true
        echo "PostgreSQL $version/main did not accept connections at $DATABASE_URL within 30 s" >&2
        exit 1
    fi
fi
if [ "$status" -ne 0 ]; then
    exit "$status"
fi

echo "running the test suite on PostgreSQL ($DATABASE_URL)"
exec "$PYTHON" -m pytest "$@"
