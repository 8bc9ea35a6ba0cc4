#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the real-browser test (`make test-browser`).
# Playwright drives this system browser through its executable path: no browser is ever downloaded
# by Playwright itself. Silent, and a no-op, when Chromium is already there.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure_browser: $CHROMIUM is missing and this is not a Debian-like system;" \
       "install Chromium so that it is at $CHROMIUM" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure_browser: $CHROMIUM is missing; install it with: sudo apt-get install chromium" >&2
  exit 1
fi
echo "ensure_browser: installing Debian's chromium package for the browser test ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
if [ ! -x "$CHROMIUM" ]; then
  echo "ensure_browser: apt-get installed chromium, but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "ensure_browser: $("$CHROMIUM" --version 2>/dev/null)" >&2
