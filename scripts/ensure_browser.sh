#!/usr/bin/env bash
# Make sure the real-browser test (`make test-browser`) has a Chromium or Chrome to drive, within
# seconds, before any test runs. Usage: bash scripts/ensure_browser.sh [PYTHON]
#
# 1. Look for one: $CHROMIUM_PATH, then where distributions and macOS install it, then the one
#    Playwright downloads for itself (tests/browser/find_browser.py, which the test uses too).
# 2. None? Let Playwright download its own Chromium into the user's cache: no root needed, but it
#    needs the network to reach Playwright's download servers.
# 3. Still none, as root on Debian or Ubuntu (CI, containers): the distribution's package.
# Quiet when a browser is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${1:-.venv/bin/python}
FIND=(env PYTHONDONTWRITEBYTECODE=1 "$PYTHON" tests/browser/find_browser.py --check)

if "${FIND[@]}" >/dev/null 2>&1; then
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  "${FIND[@]}" >/dev/null  # says what is wrong with CHROMIUM_PATH
  exit 1
fi

echo "ensure_browser: no Chromium found; asking Playwright for its own (a download) ..." >&2
log=$(mktemp)
limit=(); if command -v timeout >/dev/null 2>&1; then limit=(timeout 600); fi
if "${limit[@]}" "$PYTHON" -m playwright install chromium >"$log" 2>&1 && "${FIND[@]}" >/dev/null 2>&1; then
  rm -f "$log"
  echo "ensure_browser: using $("${FIND[@]}")" >&2
  exit 0
fi
echo "ensure_browser: Playwright could not download it: $(grep -m 1 -i 'error' "$log" || tail -n 1 "$log")" >&2
rm -f "$log"

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_browser: installing the distribution's chromium package ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq chromium >/dev/null || echo "ensure_browser: apt-get could not install chromium" >&2
fi

# Says where the browser is, or what to do to get one.
path=$("${FIND[@]}")
echo "ensure_browser: using $path ($("$path" --version 2>/dev/null))" >&2
