"""Find the Chromium (or Chrome) that the browser test drives, wherever this machine keeps it.

In this order: the path in the environment variable CHROMIUM_PATH; the places where Linux
distributions and macOS install Chromium or Chrome; the Chromium that Playwright downloads for
itself (`python -m playwright install chromium`, no root needed); and last Ubuntu's snap, which
Playwright drives less reliably. Run as a script, it prints the path found, or says how to get
one and exits with status 1. Standard library only, so that it also runs before any test starts.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ENV_VAR = "CHROMIUM_PATH"

# Where packages and installers put the browser, most common first.
SYSTEM_PATHS = [
    "/usr/bin/chromium",  # Debian
    "/usr/bin/chromium-browser",  # Fedora; on Ubuntu a script that starts the snap (skipped)
    "/usr/lib/chromium/chromium",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/opt/google/chrome/chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    str(Path.home() / "Applications/Google Chrome.app/Contents/MacOS/Google Chrome"),
]
COMMANDS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
# A snap runs confined (its own /tmp, for one), which can keep Playwright from talking to it.
SNAP_PATHS = ["/snap/bin/chromium"]

HOW_TO_GET_ONE = f"""\
The browser test needs Chromium or Chrome. Any one of these provides it:
  python -m playwright install chromium   (Playwright's own Chromium, in your home folder; no root)
  sudo apt-get install chromium           (Debian; `make test` does this itself when run as root)
  {ENV_VAR}=/path/to/chrome make test-browser   (a Chromium or Chrome you already have)"""


def _runnable(path: str | os.PathLike) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def playwright_chromium() -> str | None:
    """The Chromium that Playwright downloaded for itself, if it did; None otherwise."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:  # no driver, an unsupported platform: then there is none
        return None
    return path if _runnable(path) else None


def find_chromium(environ: dict[str, str] | None = None, system_paths: list[str] | None = None,
                  commands: list[str] | None = None, snap_paths: list[str] | None = None,
                  playwright: bool = True) -> str | None:
    """The browser's path (see the module's docstring for the order), or None if there is none.

    A CHROMIUM_PATH that names no executable file is an error (ValueError), not a reason to look
    elsewhere: whoever set it meant that browser.
    """
    environ = os.environ if environ is None else environ
    snap_paths = SNAP_PATHS if snap_paths is None else snap_paths
    chosen = environ.get(ENV_VAR, "").strip()
    if chosen:
        if not _runnable(chosen):
            raise ValueError(f"{ENV_VAR}={chosen!r} is not an executable file; point it at a Chromium "
                             "or Chrome binary, or unset it to let the test look for one")
        return chosen
    snaps = {os.path.realpath(path) for path in snap_paths}
    found = [*(SYSTEM_PATHS if system_paths is None else system_paths),
             *(shutil.which(command, path=environ.get("PATH")) for command in
               (COMMANDS if commands is None else commands))]
    for path in found:
        if path and _runnable(path) and os.path.realpath(path) not in snaps and not _starts_snap(path):
            return path
    if playwright and (own := playwright_chromium()):
        return own
    return next((path for path in snap_paths if _runnable(path)), None)


def _starts_snap(path: str) -> bool:
    """True for a shell script that hands over to a snap (Ubuntu's /usr/bin/chromium-browser)."""
    try:
        with open(path, "rb") as file:
            head = file.read(4096)
    except OSError:
        return False
    return head.startswith(b"#!") and b"snap" in head


def version(path: str) -> str | None:
    """What ``path --version`` prints (proof that it starts: its libraries are all there), or None."""
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def main() -> int:
    try:
        path = find_chromium()
    except ValueError as error:
        print(f"find_browser: {error}", file=sys.stderr)
        return 1
    if path is None:
        print(f"find_browser: no Chromium or Chrome found on this {platform.system()} machine.\n"
              f"{HOW_TO_GET_ONE}", file=sys.stderr)
        return 1
    if "--check" in sys.argv[1:] and version(path) is None:
        print(f"find_browser: {path} does not start (`{path} --version` failed); a library it needs "
              "may be missing (for Playwright's own Chromium, `python -m playwright install-deps chromium` "
              f"run as root installs them).\n{HOW_TO_GET_ONE}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
