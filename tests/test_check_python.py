"""scripts/check_python.py and the Makefile's use of it: a wrong Python stops `make` within seconds
with what to do; a .venv made by another interpreter, or left half-installed, is rebuilt."""

import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "check_python.py"
REAL_PYTHON = os.path.realpath(sys._base_executable)
VERSION = ".".join(map(str, sys.version_info[:3]))
# What `make` needs from the repository to decide about .venv.
MAKE_FILES = ["Makefile", "pyproject.toml", "constraints.txt", "etc/jupyter/jupyter_config.json",
              "scripts/check_python.py"]

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")


def _fake_python(folder: Path, version: tuple[int, int, int], venv_fails: bool = False) -> Path:
    """An interpreter that reports ``version`` to check_python.py; ``-m venv`` fails at once if asked."""
    fake = folder / "fake-python"
    pretend = f"import sys; sys.version_info = {version + ('final', 0)!r}; script = sys.argv[1]; " \
              "exec(compile(open(script).read(), script, 'exec'), {'__name__': '__main__'})"
    fake.write_text("#!/bin/sh\n"
                    + ('if [ "$1" = "-m" ]; then echo "fake-python: no venv here" >&2; exit 3; fi\n'
                       if venv_fails else "")
                    + f'exec "{sys.executable}" -c "{pretend}" "$@"\n')
    fake.chmod(0o755)
    return fake


def _run_check(python) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), str(SCRIPT)], capture_output=True, text=True, timeout=60)


def test_a_311_interpreter_passes_and_is_named_with_its_version():
    done = _run_check(sys.executable)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{os.path.realpath(sys.executable)} {VERSION}"


@pytest.mark.parametrize("version", [(3, 10, 14), (3, 12, 1), (2, 7, 18)])
def test_another_python_is_refused_with_the_version_needed_and_how_to_get_it(tmp_path, version):
    done = _run_check(_fake_python(tmp_path, version))
    assert done.returncode == 1 and not done.stdout
    assert f"is Python {'.'.join(map(str, version))}; the pinned packages need Python 3.11" in done.stderr
    assert "make PYTHON=/path/to/python3.11 lab" in done.stderr
    assert "sudo apt install python3.11 python3.11-venv" in done.stderr


def test_the_check_agrees_with_requires_python():
    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    # Every 3.11 patch release is allowed (Debian 12 ships 3.11.2, Ubuntu 22.04 3.11.0), nothing else.
    assert all(f"3.11.{patch}" in spec for patch in range(15))
    assert "3.10.14" not in spec and "3.12.0" not in spec
    assert "NEEDED = (3, 11)" in SCRIPT.read_text()


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of what `make` reads, with a finished .venv made by this test's own interpreter."""
    for name in MAKE_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    venv = tmp_path / ".venv"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text(f"home = {Path(REAL_PYTHON).parent}\nexecutable = {REAL_PYTHON}\n"
                                     f"version = {VERSION}\n")
    stamp = venv / ".installed"
    stamp.touch()
    later = time.time() + 60
    os.utime(stamp, (later, later))
    return tmp_path


def _make(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


@needs_make
def test_a_finished_venv_from_the_same_interpreter_is_kept(project):
    assert _make(project, "-q", ".venv/.installed").returncode == 0
    assert _make(project, "-q", ".venv/.installed", f"PYTHON={REAL_PYTHON}").returncode == 0


@needs_make
def test_a_venv_from_another_interpreter_or_half_installed_is_reinstalled(project):
    cfg = project / ".venv" / "pyvenv.cfg"
    cfg.write_text(cfg.read_text().replace(f"version = {VERSION}", "version = 3.11.1"))
    assert _make(project, "-q", ".venv/.installed", f"PYTHON={REAL_PYTHON}").returncode == 1
    cfg.write_text(cfg.read_text().replace("version = 3.11.1", f"version = {VERSION}"))
    (project / ".venv" / ".installed").unlink()
    assert _make(project, "-q", ".venv/.installed").returncode == 1


@needs_make
@pytest.mark.parametrize("half_installed", [False, True])
def test_the_rebuild_removes_the_old_venv_first_and_says_why(project, tmp_path_factory, half_installed):
    cfg = project / ".venv" / "pyvenv.cfg"
    if half_installed:
        (project / ".venv" / ".installed").unlink()
        reason = "Rebuilding .venv: its last installation did not finish."
    else:
        cfg.write_text(cfg.read_text().replace(f"version = {VERSION}", "version = 3.11.1"))
        reason = f"Rebuilding .venv: it was made from {REAL_PYTHON} 3.11.1, not {REAL_PYTHON} {VERSION}."
    # An interpreter that passes the check but cannot make a venv: make stops right after the removal.
    fake = _fake_python(tmp_path_factory.mktemp("bin"), sys.version_info[:3], venv_fails=True)
    done = _make(project, ".venv/.installed", f"PYTHON={fake}")
    assert done.returncode != 0
    assert reason in done.stdout, done.stdout + done.stderr
    assert "fake-python: no venv here" in done.stderr
    assert not cfg.exists()


@needs_make
@pytest.mark.parametrize("python", ["wrong-version", "missing"])
def test_make_stops_within_seconds_on_a_wrong_or_missing_python_and_keeps_the_venv(project, python):
    fake = _fake_python(project, (3, 12, 1)) if python == "wrong-version" else project / "no" / "python3.11"
    start = time.monotonic()
    done = _make(project, "lab", f"PYTHON={fake}")
    assert time.monotonic() - start < 30
    assert done.returncode != 0
    expected = "the pinned packages need Python 3.11" if python == "wrong-version" else f"no {fake} here"
    assert expected in done.stderr and "PYTHON=/path/to/python3.11" in done.stderr, done.stderr
    assert (project / ".venv" / "pyvenv.cfg").exists() and (project / ".venv" / ".installed").exists()
