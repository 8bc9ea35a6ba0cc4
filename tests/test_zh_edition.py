"""The Chinese edition: built from the English notebooks plus translations, and kept in step by these tests."""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

from lessons_lib.exercises.language import english_hash

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _script():
    spec = importlib.util.spec_from_file_location("zh_edition", ROOT / "scripts" / "zh_edition.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_chinese_notebook_is_what_the_build_writes_and_every_translation_is_current():
    problems = _script().check()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.stem)
def test_the_code_is_the_english_code_and_chinese_is_chosen_once_at_the_top(path):
    script = _script()
    english = nbformat.read(path, as_version=4)
    chinese_nb = nbformat.read(ROOT / "notebooks" / "zh" / path.name, as_version=4)
    code = [c for c in chinese_nb.cells if c.cell_type == "code"]
    assert code[0].id == script.LANGUAGE_CELL_ID and 'use_language("zh")' in code[0].source
    assert [c.source for c in code[1:]] == [c.source for c in english.cells if c.cell_type == "code"]
    markdown = [c for c in chinese_nb.cells if c.cell_type == "markdown"]
    assert len(markdown) == sum(c.cell_type == "markdown" for c in english.cells)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c.source) for c in markdown), "a markdown cell has no Chinese"


def test_a_changed_english_cell_is_named_with_its_notebook(tmp_path):
    script = _script()
    path = ENGLISH[0]
    notebook = nbformat.read(path, as_version=4)
    translations = script.read_translations(ROOT / "notebooks" / "zh" / "translations" / f"{path.stem}.md")
    assert script.problems_of(notebook, translations, path.name) == []
    cell = next(c for c in notebook.cells if c.cell_type == "markdown")
    cell.source += "\nOne more sentence."
    problems = script.problems_of(notebook, translations, path.name)
    assert problems == [f"{path.name}: markdown cell {cell.id} changed since its translation was written "
                        f"(python scripts/zh_edition.py --todo {path.stem})"]
    with pytest.raises(script.TranslationProblem, match=cell.id):
        script.chinese_notebook(notebook, translations, path.name)
    del translations[cell.id]
    assert "has no translation" in script.problems_of(notebook, translations, path.name)[0]


def test_a_translation_of_a_cell_that_is_gone_is_named():
    script = _script()
    path = ENGLISH[0]
    notebook = nbformat.read(path, as_version=4)
    translations = script.read_translations(ROOT / "notebooks" / "zh" / "translations" / f"{path.stem}.md")
    translations["no-such-cell"] = ("0" * 12, "多余的翻译")
    assert script.problems_of(notebook, translations, path.name) == [
        f"{path.name}: cell no-such-cell is translated but is no markdown cell of the English notebook"]


def test_todo_keeps_current_translations_and_marks_changed_cells(tmp_path):
    script = _script()
    path = ENGLISH[0]
    source = ROOT / "notebooks" / "zh" / "translations" / f"{path.stem}.md"
    (tmp_path / "zh" / "translations").mkdir(parents=True)
    (tmp_path / "zh" / "translations" / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    notebook = nbformat.read(path, as_version=4)
    nbformat.write(notebook, tmp_path / path.name)
    assert "TODO translate" not in script.todo(path.stem, tmp_path)
    cell = next(c for c in notebook.cells if c.cell_type == "markdown")
    cell.source += "\nOne more sentence."
    nbformat.write(notebook, tmp_path / path.name)
    text = script.todo(path.stem, tmp_path)
    assert text.count("TODO translate") == 1 and "One more sentence." in text
    assert f"<!-- cell {cell.id} en {english_hash(cell.source)} -->" in text


def test_the_chinese_notebooks_read_the_same_stored_results():
    results = ROOT / "notebooks" / "zh" / "results"
    assert results.is_symlink() and results.resolve() == (ROOT / "notebooks" / "results").resolve()
    assert json.loads((results / "trio_budgets.json").read_text())["budgets"]
