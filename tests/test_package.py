"""The package's shape: what each subpackage exports, what the package exports, light imports,
imports that flow one way, one test file per module, and modules short enough to read."""

import ast
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import lessons_lib

PACKAGE = Path(lessons_lib.__file__).parent
TESTS = Path(__file__).parent

# Import order: a module may import from its own subpackage or from a lower rank only.
RANKS = {"checks": 0, "files": 0, "threads": 1, "data": 1, "tokenizers": 2, "layers": 3, "objectives": 4, "models": 5, "generation": 6,
         "training": 6, "tasks": 7, "experiments": 8, "viz": 9, "exercises": 9, "pretrain": 10, "__init__": 11}
LIBRARY_SUBPACKAGES = ["data", "tokenizers", "layers", "objectives", "models", "training", "tasks", "experiments", "exercises",
                       "viz"]  # pretrain is the command line: no __all__ of its own
HEADLINE = {"BertConfig", "BertForPreTraining", "BertForSequenceClassification", "BertModel", "TinyLM",
            "TinyLMConfig", "WordPieceTokenizer", "load_pretrained_bert", "SHIPPED_BERT",
            "GPT", "GPTConfig", "GPTForClassification", "GPTForMultipleChoice", "load_pretrained_gpt", "SHIPPED_GPT",
            "GPT2", "GPT2Config", "ByteLevelBPE", "load_gpt2_tokenizer", "load_pretrained_gpt2", "SHIPPED_GPT2",
            "ElmoBiLM", "ElmoConfig", "load_pretrained_elmo", "SHIPPED_ELMO"}
MAX_LINES, READABLE_LINES = 300, 300

# Known gaps of the library today (reported to its editor); strict: once fixed, the test passes and the
# entry must go.
KNOWN_ALL_GAPS: dict[str, str] = {}
KNOWN_UNTESTED: dict[str, str] = {}  # module -> why it has no test file yet


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _group(dotted: str) -> str:
    """The rank-table entry of a module: its subpackage, or the top-level module's name, or __init__."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, dotted lessons_lib module) of every import in a file, relative ones resolved, the names'
    submodules included (``from lessons_lib.data import corpus`` imports lessons_lib.data.corpus)."""
    here = _dotted(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "lessons_lib"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "lessons_lib":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*sub.split("."))).with_suffix(".py").is_file() or (
                    PACKAGE.parent / Path(*sub.split(".")) / "__init__.py").is_file()
                found.append((node.lineno, sub if is_module else base))
    return found


def _definitions(path: Path) -> tuple[set[str], set[str]]:
    """Public (classes and functions, constants) defined at the top level of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defs, constants = set(), set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defs.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            constants |= {n.id for n in names if isinstance(n, ast.Name)}  # also IS_NEXT, NOT_NEXT = 0, 1
    return {n for n in defs if not n.startswith("_")}, {n for n in constants if not n.startswith("_")}


# --- (a) each subpackage exports exactly its public classes and functions ----------------------


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=f"library: {KNOWN_ALL_GAPS[name]}"))
    if name in KNOWN_ALL_GAPS else name
    for name in LIBRARY_SUBPACKAGES])
def test_subpackage_all_lists_its_public_classes_and_functions(name):
    subpackage = importlib.import_module(f"lessons_lib.{name}")
    defined, constants, home = set(), set(), {}
    for path in sorted((PACKAGE / name).glob("*.py")):
        if path.name == "__init__.py":
            continue
        defs, consts = _definitions(path)
        defined |= defs
        constants |= consts
        home.update(dict.fromkeys(defs | consts, f"lessons_lib.{name}.{path.stem}"))
    exported = set(subpackage.__all__)
    assert len(exported) == len(subpackage.__all__), "a name is listed twice"
    missing, unknown = sorted(defined - exported), sorted(exported - defined - constants)
    assert not missing, f"public but not in lessons_lib.{name}.__all__: {missing}"
    assert not unknown, f"in lessons_lib.{name}.__all__ but not defined in lessons_lib.{name}: {unknown}"
    for exported_name in exported:
        module = importlib.import_module(home[exported_name])
        assert getattr(subpackage, exported_name) is getattr(module, exported_name), exported_name


def test_every_subpackage_with_an_all_is_checked():
    with_all = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py") if "__all__" in p.read_text())
    assert with_all == sorted(LIBRARY_SUBPACKAGES)


# --- (b) the package exports the headline names only -----------------------------------------


def test_package_all_is_the_headline_set_and_each_resolves():
    assert set(lessons_lib.__all__) == HEADLINE and len(lessons_lib.__all__) == len(HEADLINE)
    homes = [importlib.import_module(name) for name in ("lessons_lib.models", "lessons_lib.tokenizers",
                                                          "lessons_lib.training.checkpoints")]
    for name in lessons_lib.__all__:
        # Each is the very object of its home: a model or config, the tokenizer, a shipped checkpoint or its loader.
        home = next((module for module in homes if name in getattr(module, "__all__", ())
                     or (module.__name__.endswith("checkpoints") and hasattr(module, name))), None)
        assert home is not None, f"{name} is not a model, config, tokenizer or shipped checkpoint"
        assert getattr(lessons_lib, name) is getattr(home, name), name


def test_package_does_not_re_export_everything():
    assert not hasattr(lessons_lib, "mask_tokens") and not hasattr(lessons_lib, "plot_losses")


# --- (c) models and tokenizers load without matplotlib and ipywidgets --------------------------


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_models_and_tokenizers_import_light():
    heavy = {"matplotlib", "ipywidgets"}
    assert not heavy & _modules_loaded_by("import lessons_lib.models.bert, lessons_lib.tokenizers")
    assert not heavy & _modules_loaded_by("import lessons_lib")
    assert heavy <= _modules_loaded_by("import lessons_lib.viz")  # the check itself sees them when loaded


# --- (d) imports flow one way ------------------------------------------------------------------


def test_every_module_has_a_rank():
    groups = {_group(_dotted(path)) for path in _modules()}
    assert groups <= set(RANKS), f"add {sorted(groups - set(RANKS))} to RANKS"


def test_imports_flow_one_way():
    wrong = []
    for path in _modules():
        source = _group(_dotted(path))
        if source == "__init__":
            continue  # the package's own __init__ may import anything
        for line, target in _imported(path):
            group = _group(target)
            if group != source and RANKS.get(group, 99) >= RANKS[source]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} "
                             f"({group}, rank {RANKS.get(group)}; {source} is rank {RANKS[source]})")
    assert not wrong, "\n".join(wrong)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_no_import_cycle_inside_a_subpackage():
    graphs: dict[str, dict[str, set[str]]] = {}
    for path in _modules():
        here = _dotted(path)
        group = _group(here)
        graph = graphs.setdefault(group, {})
        graph.setdefault(here, set()).update(
            target for _, target in _imported(path) if _group(target) == group and target != here)
    cycles = {group: cycle for group, graph in graphs.items() if group != "__init__" and (cycle := _cycle(graph))}
    assert not cycles, cycles


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


# --- one test file per module, and modules short enough to read ---------------------------------


def _test_file(path: Path) -> Path | None:
    """Where a module's tests live: tests/<subpackage>/test_<module>.py, or tests/test_<module>.py for a
    top-level module or a subpackage's __init__ with code of its own; None for what needs none."""
    relative = path.relative_to(PACKAGE)
    if path.name == "__main__.py" or (path.name == "__init__.py" and len(relative.parts) == 1):
        return None
    if path.name == "__init__.py":
        return TESTS / f"test_{relative.parts[0]}.py" if _definitions(path)[0] else None
    return TESTS.joinpath(*relative.parts[:-1], f"test_{path.name}")


@pytest.mark.parametrize("module", [
    pytest.param(module, marks=pytest.mark.xfail(strict=True, reason=f"library: {KNOWN_UNTESTED[module]}"))
    if module in KNOWN_UNTESTED else module
    for module in (str(p.relative_to(PACKAGE)) for p in _modules() if _test_file(p) is not None)])
def test_every_module_has_its_test_file(module):
    expected = _test_file(PACKAGE / module)
    assert expected.is_file(), f"{module} has no {expected.relative_to(TESTS.parent)}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_short_enough_to_read(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines (at most {MAX_LINES})"
    if lines > READABLE_LINES:
        warnings.warn(f"{path.relative_to(PACKAGE)} has {lines} lines, over {READABLE_LINES}", stacklevel=1)


def test_notebooks_import_nothing_from_the_command_package():
    # A notebook imports concepts (objectives, tasks, ...), never the pre-training command's modules.
    import json
    import re

    found = []
    for notebook in sorted((TESTS.parent / "notebooks").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and re.search(r"lessons_lib\.pretrain\b|lessons_lib import pretrain", source):
                found.append(notebook.name)
    assert not found, f"notebooks importing lessons_lib.pretrain: {sorted(set(found))}"
    assert list((TESTS.parent / "notebooks").glob("*.ipynb")), "no notebooks found: the check would pass vacuously"
