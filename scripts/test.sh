#!/usr/bin/env bash
# README command 2: install what the tests need, then lint, type-check and run the whole suite
# on SQLite and on PostgreSQL. PostgreSQL is never skipped: TEST_DATABASE_URL, else the local
# server on 127.0.0.1:5432, else a throwaway server started here, else a clear failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_debian_packages "gettext:msgfmt" "chromium:/usr/bin/chromium" \
    "fonts-noto-cjk:/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc" \
    "poppler-utils:pdftotext" \
    "libpangoft2-1.0-0:/usr/lib/$(uname -m)-linux-gnu/libpangoft2-1.0.so.0"
ensure_venv "[test]"
compile_translations
export PATH="$PWD/.venv/bin:$PATH"

# Tests never touch the developer's var/ (database, keys).
SQMS_VAR_DIR=$(mktemp -d /tmp/sqms-test-var.XXXXXX)
export SQMS_VAR_DIR
PG_DIR=""
cleanup() {
    if [ -n "$PG_DIR" ]; then
        as_postgres pg_ctl -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
    rm -rf "$SQMS_VAR_DIR"
}
trap cleanup EXIT

say "ruff"
ruff check .
ruff format --check .
say "mypy"
mypy sqms
say "django checks"
python manage.py check --fail-level WARNING
python manage.py makemigrations --check --dry-run >/dev/null || die "models have changes without migrations"

PYTEST_ARGS=(-n "${PYTEST_WORKERS:-2}" --dist loadfile -q -rs "$@")

say "pytest on SQLite"
DATABASE_URL="sqlite:///$SQMS_VAR_DIR/test.sqlite3" python -m pytest "${PYTEST_ARGS[@]}"

pg_reachable() {
    python - "$1" <<'PY'
import sys
import psycopg
from urllib.parse import urlsplit
url = urlsplit(sys.argv[1])
try:
    psycopg.connect(host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
                    password=url.password, dbname="postgres", connect_timeout=3).close()
except Exception as error:
    print(f"   not reachable: {error}".splitlines()[0], file=sys.stderr)
    sys.exit(1)
PY
}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_throwaway_postgres() {
    local bindir port=54329
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$bindir" ]; then
        ensure_debian_packages "postgresql:/usr/lib/postgresql"
        bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    fi
    [ -n "$bindir" ] || die "no PostgreSQL reachable and none could be installed; set TEST_DATABASE_URL"
    export PATH="$bindir:$PATH"
    PG_DIR=$(mktemp -d /tmp/sqms-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    say "starting a throwaway PostgreSQL on 127.0.0.1:$port"
    as_postgres initdb -D "$PG_DIR/data" -U postgres -A trust >/dev/null ||
        die "initdb failed; cannot run the PostgreSQL half of the suite"
    as_postgres pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
        die "PostgreSQL did not start (see $PG_DIR/log)"
    PG_URL="postgres://postgres@127.0.0.1:$port/sqms"
}

PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sqms}
say "pytest on PostgreSQL"
if ! pg_reachable "$PG_URL"; then
    [ -z "${TEST_DATABASE_URL:-}" ] || die "TEST_DATABASE_URL=$TEST_DATABASE_URL is not reachable"
    start_throwaway_postgres
    pg_reachable "$PG_URL" || die "the throwaway PostgreSQL is not reachable"
fi
DATABASE_URL="$PG_URL" python -m pytest "${PYTEST_ARGS[@]}"
say "all checks passed on SQLite and PostgreSQL"
