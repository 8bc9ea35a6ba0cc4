#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the real-browser test. Playwright drives it through
# its executable path; no browser is ever downloaded by Playwright itself.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing: install Debian's package with 'sudo apt-get install chromium'" >&2
  exit 1
fi
echo "installing Debian's chromium for the browser test ..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version >&2
