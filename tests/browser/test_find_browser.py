"""find_browser.py: CHROMIUM_PATH first, then the usual places, then Playwright's own, the snap last."""

import subprocess
import sys
from pathlib import Path

import pytest

from .find_browser import ENV_VAR, HOW_TO_GET_ONE, find_chromium, version

SCRIPT = Path(__file__).with_name("find_browser.py")


def _browser(folder: Path, name: str, body: str = 'echo "Chromium 1.2.3"') -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def _find(environ=None, system=(), commands=(), snaps=()):
    return find_chromium(environ={} if environ is None else environ, system_paths=list(system),
                         commands=list(commands), snap_paths=list(snaps), playwright=False)


def test_the_environment_variable_comes_first(tmp_path):
    chosen, usual = _browser(tmp_path, "mine/chrome"), _browser(tmp_path, "usr/bin/chromium")
    assert _find({ENV_VAR: chosen}, system=[usual]) == chosen
    assert _find({}, system=[usual]) == usual


def test_an_environment_variable_that_names_no_browser_is_an_error_not_a_fallback(tmp_path):
    usual = _browser(tmp_path, "usr/bin/chromium")
    with pytest.raises(ValueError, match=f"{ENV_VAR}='/no/such/chrome' is not an executable file"):
        _find({ENV_VAR: "/no/such/chrome"}, system=[usual])
    not_executable = tmp_path / "chrome.txt"
    not_executable.write_text("")
    with pytest.raises(ValueError, match=ENV_VAR):
        _find({ENV_VAR: str(not_executable)}, system=[usual])


def test_usual_paths_in_order_then_commands_on_the_path(tmp_path):
    first, second = _browser(tmp_path, "a/chromium"), _browser(tmp_path, "b/google-chrome")
    assert _find(system=[str(tmp_path / "missing"), first, second]) == first
    on_path = _browser(tmp_path, "bin/chromium-browser")
    assert _find({"PATH": str(tmp_path / "bin")}, commands=["chromium", "chromium-browser"]) == on_path
    assert _find({"PATH": str(tmp_path / "bin")}) is None


def test_a_snap_and_a_script_that_starts_one_come_last(tmp_path):
    snap = _browser(tmp_path, "snap/bin/chromium")
    wrapper = _browser(tmp_path, "usr/bin/chromium-browser", body=f'exec {snap} "$@"')
    assert _find(system=[wrapper], snaps=[snap]) == snap
    native = _browser(tmp_path, "opt/chrome")
    assert _find(system=[wrapper, snap, native], snaps=[snap]) == native


def test_nothing_found_is_none_and_the_script_says_how_to_get_one(tmp_path):
    assert _find() is None
    assert "python -m playwright install chromium" in HOW_TO_GET_ONE
    assert f"{ENV_VAR}=/path/to/chrome" in HOW_TO_GET_ONE
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                          env={ENV_VAR: str(tmp_path / "nothing")}, timeout=60)
    assert done.returncode == 1 and f"{ENV_VAR}=" in done.stderr


def test_version_runs_the_browser_and_none_when_it_cannot_start(tmp_path):
    assert version(_browser(tmp_path, "good")) == "Chromium 1.2.3"
    assert version(_browser(tmp_path, "broken", body="echo 'missing libnss3.so' >&2; exit 127")) is None
    assert version(str(tmp_path / "absent")) is None
