#!/usr/bin/env bash
# Makes sure the Debian packages the build (and the tests) need are installed.
#
#   scripts/ensure-system-deps.sh [extra-package ...]
#
# As root, missing packages are installed with apt-get. Otherwise the script prints the command
# to run and carries on: the build then fails later with the compiler's own message if a library
# really is missing.
set -euo pipefail

packages=(libsqlite3-dev libssl-dev libcurl4-openssl-dev zlib1g-dev "$@")

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "note: not a Debian-based system; make sure these are installed: ${packages[*]}"
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all present (${packages[*]})"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    echo "system packages: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y "${missing[@]}"
else
    echo "warning: missing system packages: ${missing[*]}"
    echo "         install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    echo "         (continuing anyway)"
fi
