#!/usr/bin/env bash
# README command 1: install sqms, load the demo organisation and serve it on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# WeasyPrint (receipts, reports) draws text with Pango.
ensure_debian_packages "gettext:msgfmt" "fonts-noto-cjk:/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc" \
    "libpangoft2-1.0-0:/usr/lib/$(uname -m)-linux-gnu/libpangoft2-1.0.so.0"
ensure_venv ""
compile_translations
say "migrating the database"
.venv/bin/sqms migrate --noinput -v 0
say "loading the demo organisation (passwords are printed only when the users are created)"
.venv/bin/sqms demo
say "serving http://127.0.0.1:8000 (web + worker); Ctrl-C stops both"
exec .venv/bin/sqms serve "$@"
