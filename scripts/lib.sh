# Shared shell helpers for scripts/run.sh and scripts/test.sh (sourced, not run).

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root (or sudo) to run: $*"; fi
}

# Install the Debian packages named whose check command or file is missing.
# Usage: ensure_debian_packages "pkg:probe" ...   (probe: a command name or an absolute path)
ensure_debian_packages() {
    local missing=() item pkg probe
    for item in "$@"; do
        pkg=${item%%:*}; probe=${item#*:}
        if [ "${probe#/}" != "$probe" ]; then [ -e "$probe" ] && continue
        else command -v "$probe" >/dev/null 2>&1 && continue; fi
        missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
    say "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A Python >= 3.12 (Django 6 needs it): PATH first, then pyenv's versions.
find_python() {
    local candidate
    for candidate in python3.13 python3.12 python3 \
        "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 \
        /root/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$candidate"; return 0
        fi
    done
    return 1
}

# Create .venv if needed and install sqms with the given extras; skip pip when nothing changed.
ensure_venv() {
    local extras=$1 stamp=".venv/.installed${1:-[base]}" python
    if [ ! -x .venv/bin/python ]; then
        python=$(find_python) || die "sqms needs Python 3.12 or newer (Django 6); none found on PATH or in ~/.pyenv"
        say "creating .venv with $python"
        "$python" -m venv .venv
    fi
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        say "installing sqms$extras into .venv"
        .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
        .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
        touch "$stamp"
    fi
}

compile_translations() {
    .venv/bin/python manage.py compilemessages --ignore '.venv' -v 0
}
