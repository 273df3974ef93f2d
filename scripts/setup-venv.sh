#!/usr/bin/env bash
# Creates (or refreshes) the Python virtualenv the end-to-end tests use.
#
#   scripts/setup-venv.sh [VENV_DIR] [REQUIREMENTS]
#
# Packages are installed only when the requirements file changed since the last successful
# install (its sha256 is kept in VENV_DIR/.requirements.sha256) or the venv is broken.
set -euo pipefail

venv=${1:-.venv}
requirements=${2:-Tests/e2e/requirements.txt}
python=${PYTHON:-python3}
stamp="$venv/.requirements.sha256"
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: $python not found; install python3 (Debian: apt-get install -y python3 python3-venv)" >&2
    exit 1
fi

wanted=$(sha256sum "$requirements" | cut -d' ' -f1)

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import sys' 2>/dev/null \
    && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    echo "python venv: $venv is up to date with $requirements"
    exit 0
fi

if ! [ -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    # Debian's python3 ships venv/ensurepip separately, in python3-venv.
    if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        "$script_dir/ensure-system-deps.sh" python3-venv
        if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
            echo "error: '$python -m venv' is not available; install python3-venv" >&2
            exit 1
        fi
    fi
    rm -rf "$venv"
    echo "python venv: creating $venv with $("$python" --version 2>&1)"
    "$python" -m venv "$venv"
fi

echo "python venv: installing $requirements"
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$requirements"
echo "$wanted" > "$stamp"
"$venv/bin/python" -m pip --disable-pip-version-check list 2>/dev/null \
    | grep -i -E '^(openai|pytest|jsonschema|requests|openapi-spec-validator) ' || true
