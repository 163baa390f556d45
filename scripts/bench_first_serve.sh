#!/usr/bin/env bash
# How long the README's first command takes on a fresh clone: `make serve` from nothing to the
# first HTTP 200 of the home page, then the server is stopped and the clone removed.
#
#   bash scripts/bench_first_serve.sh            # pip may use its cache (~/.cache/pip)
#   PIP_NO_CACHE_DIR=1 bash scripts/bench_first_serve.sh   # every package downloaded again
#   bash scripts/bench_first_serve.sh e8b1813              # an older commit, for comparison
#
# It clones the committed HEAD of this checkout, or the commit given (uncommitted edits are not
# measured), serves on
# a free loopback port (or PORT) and gives up after 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source_repo=$(pwd)
clone=$(mktemp -d /tmp/liveblog-first-serve.XXXXXX)
# PORT picks the port; by default the system gives a free one.
port=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
log="$clone.log"
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    # make runs runserver, which runs a child with the autoreloader: stop the whole group.
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$clone" "$log"
}
trap cleanup EXIT

git clone -q "$source_repo" "$clone"
cd "$clone"
if [ -n "${1:-}" ]; then git checkout -q "$1"; fi
began=$(date +%s.%N)
set -m
make serve HOST="127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
set +m
deadline=$(( $(date +%s) + 600 ))
until curl -fs -o /dev/null "http://127.0.0.1:$port/"; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "make serve exited before answering; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "make serve did not answer within 10 minutes; its output:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  sleep 0.2
done
ended=$(date +%s.%N)
# The stamp make serve waits for (older commits had only .installed).
stamp="$clone/.venv/.installed-serve"
[ -e "$stamp" ] || stamp="$clone/.venv/.installed"
installed=$(stat -c %.9Y "$stamp")
python3 - "$began" "$ended" "$installed" "${PIP_NO_CACHE_DIR:-}" "$(git rev-parse --short HEAD)" <<'EOF'
import sys

began, ended, installed = (float(x) for x in sys.argv[1:4])
cache = "without pip's cache" if sys.argv[4] else "pip cache allowed"
print(
    f"first make serve of {sys.argv[5]} ({cache}): {ended - began:.1f} s to the first HTTP 200 "
    f"(install {installed - began:.1f} s, migrate + import + start {ended - installed:.1f} s)"
)
EOF
du -sh "$clone/.venv" | awk '{print "venv size: " $1}'
