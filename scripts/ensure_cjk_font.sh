#!/usr/bin/env bash
# Make sure the browser test's Chromium can draw the Chinese edition's text: it renders with the
# fonts fontconfig knows, and a machine without a CJK font shows every Chinese character as an
# empty box. Quiet when one is there; as root on Debian or Ubuntu (CI, containers) it installs
# WenQuanYi Micro Hei (a 1.6 MB package); elsewhere it says what to install. The test itself checks
# that the characters come out as glyphs. (A student's own browser draws the notebooks' text with
# the student's fonts, so Binder and `make lab` need nothing of this.)
set -euo pipefail

has_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]; }

if has_font || [ "$(uname -s)" = Darwin ]; then  # macOS ships CJK fonts
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_cjk_font: no font with Chinese glyphs; installing fonts-wqy-microhei ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 || { apt-get update -qq || true;
    apt-get install -y -qq fonts-wqy-microhei >/dev/null || true; }
fi
if has_font; then
  echo "ensure_cjk_font: using $(fc-list :lang=zh family | head -n 1)" >&2
  exit 0
fi
echo "ensure_cjk_font: no font with Chinese glyphs for the browser test of the Chinese edition;" \
  "install one (Debian/Ubuntu: sudo apt install fonts-wqy-microhei; Fedora: sudo dnf install" \
  "wqy-microhei-fonts)" >&2
exit 1
