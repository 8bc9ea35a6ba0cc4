"""scripts/check_python.py, scripts/find_pythons.sh and the Makefile's use of them: make picks the
newest supported Python on the PATH and says so, a wrong Python stops `make` within seconds with
what to do, and a .venv made by another interpreter, or left half-installed, is rebuilt."""

import os
import re
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
FIND = ROOT / "scripts" / "find_pythons.sh"
REAL_PYTHON = os.path.realpath(sys._base_executable)
VERSION = ".".join(map(str, sys.version_info[:3]))
SUPPORTED = ["3.11", "3.12", "3.13"]  # what the README promises
# What `make` needs from the repository to decide about .venv.
MAKE_FILES = ["Makefile", "pyproject.toml", "constraints.txt", "etc/jupyter/jupyter_config.json",
              "etc/jupyter/jupyter_server_config.d/lessons-collection.json", "etc/jupyterlab/overrides.d/lessons-collection.json",
              "scripts/check_python.py", "scripts/find_pythons.sh"]

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")


def _fake_python(folder: Path, version: tuple[int, int, int], venv_fails: bool = False,
                 name: str = "fake-python") -> Path:
    """An interpreter at ``folder/name`` that tells check_python.py it is Python ``version`` and
    lives at that path; ``-m venv`` fails at once if asked."""
    folder.mkdir(parents=True, exist_ok=True)
    fake = folder / name
    pretend = (f"import sys; sys.version_info = {version + ('final', 0)!r}; sys.executable = {str(fake)!r}; "
               "script = sys.argv[1]; exec(compile(open(script).read(), script, 'exec'), {'__name__': '__main__'})")
    fake.write_text("#!/bin/sh\n"
                    + ('if [ "$1" = "-m" ]; then echo "fake-python: no venv here" >&2; exit 3; fi\n'
                       if venv_fails else "")
                    + f'exec "{sys.executable}" -c "{pretend}" "$@"\n')
    fake.chmod(0o755)
    return fake


def _broken_shim(folder: Path, name: str) -> Path:
    """What pyenv puts on the PATH for a version that is installed but not selected: it fails."""
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / name
    shim.write_text(f"#!/bin/sh\necho 'pyenv: {name}: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    return shim


def _run_check(python) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), str(SCRIPT)], capture_output=True, text=True, timeout=60)


def test_this_interpreter_passes_and_is_named_with_its_version():
    done = _run_check(sys.executable)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{os.path.realpath(sys.executable)} {VERSION}"


@pytest.mark.parametrize("version", [(3, 11, 0), (3, 11, 2), (3, 12, 1), (3, 12, 3), (3, 13, 0), (3, 13, 9)])
def test_every_patch_release_of_a_supported_python_passes(tmp_path, version):
    fake = _fake_python(tmp_path, version)
    done = _run_check(fake)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{fake} {'.'.join(map(str, version))}"


@pytest.mark.parametrize("version", [(3, 10, 14), (3, 14, 0), (2, 7, 18)])
def test_another_python_is_refused_with_the_versions_needed_and_how_to_get_one(tmp_path, version):
    done = _run_check(_fake_python(tmp_path, version))
    assert done.returncode == 1 and not done.stdout
    assert f"is Python {'.'.join(map(str, version))}; the pinned packages need Python 3.11, 3.12 or 3.13" in done.stderr
    assert "make PYTHON=/path/to/python3.13 lab" in done.stderr
    assert "sudo apt install python3.13 python3.13-venv" in done.stderr


def test_the_check_agrees_with_requires_python_environment_yml_and_binder():
    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    # Every patch release of each supported version is allowed (Debian 12 ships 3.11.2, Ubuntu 24.04
    # 3.12.3, Debian 13 3.13.5), nothing else.
    assert all(f"{minor}.{patch}" in spec for minor in SUPPORTED for patch in range(15))
    assert not [v for v in ("3.10.14", "3.14.0", "3.9.0") if v in spec]
    assert "SUPPORTED = ((3, 11), (3, 12), (3, 13))" in SCRIPT.read_text()
    assert re.search(r"^  - python>=3.11,<3.14\b", (ROOT / "environment.yml").read_text(), re.MULTILINE)
    binder = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert binder.removeprefix("python-") in SUPPORTED
    # What find_pythons.sh and the Makefile say when no interpreter will do.
    assert "python3.11, python3.12 or python3.13" in FIND.read_text()
    assert "The collection needs Python 3.11, 3.12 or 3.13." in (ROOT / "Makefile").read_text()


# --- choosing the interpreter: find_pythons.sh with fake interpreters on a temporary PATH ---

def _tools(folder: Path) -> Path:
    """A folder with the few commands the script needs besides interpreters, and no Python."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("sort", "cut", "sed", "make", "sh", "bash", "rm", "mkdir", "touch", "cp", "test", "id", "uname"):
        if found := shutil.which(name):
            (folder / name).symlink_to(found)
    return folder


def _find(path_dirs: list[Path], *args: str, pyenv: Path | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": os.pathsep.join(map(str, path_dirs)), "HOME": str(path_dirs[-1]),
           "PYENV_ROOT": str(pyenv or path_dirs[-1] / "no-pyenv")}
    return subprocess.run(["/bin/sh", str(FIND), *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def machine(tmp_path) -> dict[str, Path]:
    """A PATH as a student's might be: a pyenv-like shims folder first, with a python3.13 that does
    not run; then one with python3.12 and a python3.10; then one with python3.13, the free-threaded
    python3.13t (refused: not the build the pins are for) and python3 (3.11); and pyenv's versions."""
    shims, first, second = tmp_path / "shims", tmp_path / "first", tmp_path / "second"
    made = {
        "shim313": _broken_shim(shims, "python3.13"),
        "py312": _fake_python(first, (3, 12, 1), name="python3.12"),
        "py310": _fake_python(first, (3, 10, 14), name="python3.10"),
        "py313": _fake_python(second, (3, 13, 0), name="python3.13"),
        "py313t": _fake_python(second, (3, 13, 0), name="python3.13t"),
        "py3": _fake_python(second, (3, 11, 7), name="python3"),
        "pyenv": _fake_python(tmp_path / "pyenv" / "versions" / "3.12.9" / "bin", (3, 12, 9), name="python3"),
    }
    return {**made, "path": [shims, first, second, _tools(tmp_path / "tools")], "pyenv_root": tmp_path / "pyenv"}


def test_the_newest_supported_python_on_the_path_is_chosen_past_a_shim_that_does_not_run(machine):
    done = _find(machine["path"], pyenv=machine["pyenv_root"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{machine['py313']} 3.13.0"]


def test_python3_is_chosen_only_when_no_python3_x_will_do(machine):
    machine["py313"].unlink()
    machine["py312"].unlink()
    done = _find(machine["path"])
    assert done.stdout.splitlines() == [f"{machine['py3']} 3.11.7"], done.stderr
    machine["py3"].unlink()
    _fake_python(machine["path"][2], (3, 12, 4), name="python3")
    assert _find(machine["path"]).stdout.split()[1] == "3.12.4"


def test_all_lists_one_interpreter_per_supported_version_newest_first_pyenv_included(machine):
    done = _find(machine["path"], "--all", pyenv=machine["pyenv_root"])
    assert done.returncode == 0, done.stderr
    # 3.12: the one on the PATH, not pyenv's 3.12.9; 3.11: python3; never 3.10 or the shim.
    assert done.stdout.splitlines() == [f"{machine['py313']} 3.13.0", f"{machine['py312']} 3.12.1",
                                        f"{machine['py3']} 3.11.7"]
    machine["py3"].unlink()
    machine["py312"].unlink()
    done = _find(machine["path"], "--all", pyenv=machine["pyenv_root"])
    assert done.stdout.splitlines() == [f"{machine['py313']} 3.13.0", f"{machine['pyenv']} 3.12.9"]
    # pyenv's versions are for --all only: make's choice comes from the PATH.
    assert _find(machine["path"], pyenv=machine["pyenv_root"]).stdout.split()[0] == str(machine["py313"])


def test_no_supported_python_stops_with_what_to_do(machine):
    for name in ("py313", "py312", "py3"):
        machine[name].unlink()
    done = _find(machine["path"], pyenv=machine["pyenv_root"])
    assert done.returncode == 1 and not done.stdout
    assert "No python3.11, python3.12 or python3.13" in done.stderr
    assert "make PYTHON=/path/to/python3.13 lab" in done.stderr
    # A python3 there, of another version: what it is, and how to get one.
    _fake_python(machine["path"][2], (3, 10, 2), name="python3")
    done = _find(machine["path"])
    assert done.returncode == 1 and "is Python 3.10.2; the pinned packages need Python 3.11, 3.12 or 3.13" in done.stderr


# --- the Makefile ---

def _project(folder: Path, python: str | None = REAL_PYTHON, version: str = VERSION, finished: bool = True) -> Path:
    """A copy of what `make` reads, with a .venv made by ``python`` (none if None), finished or not."""
    for name in MAKE_FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, folder / name)
    if python is not None:
        venv = folder / ".venv"
        venv.mkdir()
        (venv / "pyvenv.cfg").write_text(f"home = {Path(python).parent}\nexecutable = {python}\n"
                                         f"version = {version}\n")
        if finished:
            stamp = venv / ".installed"
            stamp.touch()
            later = time.time() + 60
            os.utime(stamp, (later, later))
    return folder


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of what `make` reads, with a finished .venv made by this test's own interpreter."""
    return _project(tmp_path / "project")


def _make(project: Path, *args: str, path: list[Path] | None = None) -> subprocess.CompletedProcess:
    # Nothing from an outer make may reach this one: under `make test-pythons PYTHONS_VENVS=...`
    # those settings arrive both in MAKEFLAGS and as plain environment variables.
    outer = ("PYTHON", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PYTHONS_VENVS",
             "LAB_PORT", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k not in outer}
    if path is not None:
        env["PATH"] = os.pathsep.join(map(str, path))
    return subprocess.run(["make", "--no-print-directory", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


@needs_make
def test_a_finished_venv_from_the_same_interpreter_is_kept(project):
    assert _make(project, "-q", ".venv/.installed").returncode == 0
    assert _make(project, "-q", ".venv/.installed", f"PYTHON={REAL_PYTHON}").returncode == 0


@needs_make
def test_without_a_venv_make_builds_from_the_newest_python_on_the_path_and_says_so(machine, tmp_path):
    project = _project(tmp_path / "project", python=None)
    done = _make(project, "-n", ".venv/.installed", path=machine["path"])
    assert done.returncode == 0, done.stderr
    assert (f"make: using Python 3.13.0 ({machine['py313']}), the newest supported Python on the PATH"
            in done.stdout.splitlines()[0])
    assert f"{machine['py313']} -m venv .venv" in done.stdout


@needs_make
def test_a_finished_venv_keeps_its_interpreter_while_it_still_works(machine, tmp_path):
    # Made from 3.12 before 3.13 was installed: kept, and make says which interpreter it uses.
    project = _project(tmp_path / "project", python=str(machine["py312"]), version="3.12.1")
    done = _make(project, "-q", ".venv/.installed", path=machine["path"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"make: using Python 3.12.1 ({machine['py312']}), the interpreter .venv was made from" in done.stdout
    # Named on the command line: that one, and .venv is rebuilt from it.
    done = _make(project, "-n", ".venv/.installed", f"PYTHON={machine['py3']}", path=machine["path"])
    assert "make: using" not in done.stdout and f"{machine['py3']} -m venv .venv" in done.stdout
    # Its interpreter gone (an upgrade removed it): rebuilt from the newest on the PATH (whose
    # fake cannot make a venv, so make stops right after removing the old one).
    machine["py312"].unlink()
    done = _make(project, ".venv/.installed", path=machine["path"])
    assert done.returncode != 0
    assert f"make: using Python 3.13.0 ({machine['py313']}), the newest supported Python on the PATH" in done.stdout
    assert (f"Rebuilding .venv: it was made from {machine['py312']} 3.12.1, not {machine['py313']} 3.13.0."
            in done.stdout), done.stdout + done.stderr
    assert not (project / ".venv" / "pyvenv.cfg").exists()


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
    # An interpreter that passes the check but cannot make a venv: make stops right after the removal.
    fake = _fake_python(tmp_path_factory.mktemp("bin"), sys.version_info[:3], venv_fails=True)
    if half_installed:
        (project / ".venv" / ".installed").unlink()
        reason = "Rebuilding .venv: its last installation did not finish."
    else:
        reason = f"Rebuilding .venv: it was made from {REAL_PYTHON} {VERSION}, not {fake} {VERSION}."
    done = _make(project, ".venv/.installed", f"PYTHON={fake}")
    assert done.returncode != 0
    assert reason in done.stdout, done.stdout + done.stderr
    assert "fake-python: no venv here" in done.stderr
    assert not cfg.exists()


@needs_make
@pytest.mark.parametrize("python", ["wrong-version", "missing"])
def test_make_stops_within_seconds_on_a_wrong_or_missing_python_and_keeps_the_venv(project, python):
    fake = _fake_python(project, (3, 10, 14)) if python == "wrong-version" else project / "no" / "python3.13"
    start = time.monotonic()
    done = _make(project, "lab", f"PYTHON={fake}")
    assert time.monotonic() - start < 30
    assert done.returncode != 0
    expected = "the pinned packages need Python 3.11, 3.12 or 3.13" if python == "wrong-version" else f"no {fake} here"
    assert expected in done.stderr and "PYTHON=/path/to/python3.13" in done.stderr, done.stderr
    assert (project / ".venv" / "pyvenv.cfg").exists() and (project / ".venv" / ".installed").exists()


@needs_make
def test_make_stops_within_seconds_when_no_python_on_the_path_will_do(machine, tmp_path):
    for name in ("py313", "py312", "py3"):
        machine[name].unlink()
    project = _project(tmp_path / "project", python=None)
    done = _make(project, "lab", path=machine["path"])
    assert done.returncode != 0
    assert "No python3.11, python3.12 or python3.13" in done.stderr, done.stdout + done.stderr
    assert not (project / ".venv").exists()


@needs_make
def test_test_pythons_runs_every_other_version_in_its_own_environment(machine, tmp_path):
    # .venv is 3.13's; 3.12 (on the PATH) and 3.11 (python3) each get their own environment.
    project = _project(tmp_path / "project", python=str(machine["py313"]), version="3.13.0")
    done = _make(project, "-n", "test-pythons", path=machine["path"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"== Python 3.12.1 ({machine['py312']}): install, then the unit tests and the student edition" in out
    assert f"== Python 3.11.7 ({machine['py3']}): install, then the unit tests and the student edition" in out
    assert out.index("== Python 3.12.1") < out.index("== Python 3.11.7")  # newest first
    assert "== Python 3.13" not in out
    for minor, python in (("3.12", machine["py312"]), ("3.11", machine["py3"])):
        assert f"{python} -m venv .venvs/{minor}" in out
        assert f".venvs/{minor}/bin/python scripts/student_edition.py --with-outputs --out build/student-checked" in out
        # One session: the unit tests, and nbval comparing the stored outputs of the checked edition.
        assert re.search(rf"\.venvs/{re.escape(minor)}/bin/python -m pytest .*-p tests\.nbval_groups -n 2 -q "
                         r"\\?\s*tests --nbval-lax build/student-checked", out), out
    # For real: neither fake can make a venv. Both are tried, and the target fails naming both.
    done = _make(project, "test-pythons", path=machine["path"])
    assert done.returncode != 0
    assert "== failed on Python 3.12.1 3.11.7" in done.stderr, done.stdout + done.stderr


@needs_make
def test_install_pythons_installs_every_other_version_and_runs_nothing(machine, tmp_path):
    project = _project(tmp_path / "project", python=str(machine["py313"]), version="3.13.0")
    done = _make(project, "-n", "install-pythons", path=machine["path"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.index(f"== Python 3.12.1 ({machine['py312']}): install") < out.index(f"== Python 3.11.7 ({machine['py3']}): install")
    assert "== Python 3.13.0 (" not in out and " -m pytest" not in out and "student_edition" not in out
    for minor, python in (("3.12", machine["py312"]), ("3.11", machine["py3"])):
        assert f"{python} -m venv .venvs/{minor}" in out
    done = _make(project, "install-pythons", path=machine["path"])
    assert done.returncode != 0
    assert "== installation failed on Python 3.12.1 3.11.7" in done.stderr, done.stdout + done.stderr
