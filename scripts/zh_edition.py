"""The Chinese edition of the notebooks, built from the English notebooks and their translations.

    python scripts/zh_edition.py                 # (re)writes notebooks/zh/*.ipynb
    python scripts/zh_edition.py --check         # exit 1, naming each problem, when notebooks/zh is not what it builds
    python scripts/zh_edition.py --todo 04_elmo  # the sections a translator must (re)write for one notebook

The English notebooks are the one source of the code. For each `notebooks/NAME.ipynb`, the
translation file `notebooks/zh/translations/NAME.md` holds one section per markdown cell, headed
`<!-- cell ID en HASH -->`: the English cell's id, and the first 12 hex digits of the SHA-256 of
the English text it translates. The Chinese notebook is the English one with every markdown cell
replaced by its translation, and one code cell added before the first code cell, which has the
exercise checker speak Chinese; code cells, their stored outputs and the notebook's metadata are
copied as they are. A translation whose English cell changed since (its hash differs), an English
markdown cell without a translation, and a translation of a cell that no longer exists stop the
build, each named with its notebook and cell.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "notebooks"
OUT = ENGLISH / "zh"
TRANSLATIONS = OUT / "translations"
sys.path.insert(0, str(ROOT))
from lessons_lib.exercises.language import english_hash  # noqa: E402  (the same hash as the hints use)

MARKER = re.compile(r"^<!-- cell (\S+) en ([0-9a-f]{12}) -->$", re.M)
LANGUAGE_CELL_ID = "zh-language"
LANGUAGE_CELL = """# 中文版：从这里起，练习的提示和判定都用中文（英文版没有这个单元格）
from lessons_lib.exercises import use_language

language = use_language("zh")"""


class TranslationProblem(ValueError):
    """The translations do not fit the English notebooks; ``problems`` names each cell."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def read_translations(path: Path) -> dict[str, tuple[str, str]]:
    """Cell id -> (hash of the English text translated, the translation), from one translation file."""
    text = path.read_text(encoding="utf-8")
    marks = list(MARKER.finditer(text))
    translations = {}
    for i, mark in enumerate(marks):
        if mark.group(1) in translations:
            raise TranslationProblem([f"{path.name}: cell {mark.group(1)} is translated twice"])
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        translations[mark.group(1)] = (mark.group(2), text[mark.end():end].strip())
    return translations


def problems_of(notebook, translations: dict[str, tuple[str, str]], name: str) -> list[str]:
    """What keeps ``translations`` from translating ``notebook`` (called ``name``), one line each."""
    problems = []
    markdown = [cell for cell in notebook.cells if cell.cell_type == "markdown"]
    for cell in markdown:
        if cell.id not in translations:
            problems.append(f"{name}: markdown cell {cell.id} has no translation "
                            f"(python scripts/zh_edition.py --todo {Path(name).stem})")
        elif translations[cell.id][0] != english_hash(cell.source):
            problems.append(f"{name}: markdown cell {cell.id} changed since its translation was written "
                            f"(python scripts/zh_edition.py --todo {Path(name).stem})")
        elif not translations[cell.id][1]:
            problems.append(f"{name}: the translation of cell {cell.id} is empty")
    ids = {cell.id for cell in markdown}
    problems += [f"{name}: cell {cell_id} is translated but is no markdown cell of the English notebook"
                 for cell_id in translations if cell_id not in ids]
    return problems


def chinese_notebook(notebook, translations: dict[str, tuple[str, str]], name: str):
    """The Chinese edition of ``notebook``: translated markdown, the same code, the language cell first."""
    problems = problems_of(notebook, translations, name)
    if problems:
        raise TranslationProblem(problems)
    out = nbformat.from_dict(notebook)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and not any(c.cell_type == "code" for c in cells):
            cells.append(nbformat.v4.new_code_cell(LANGUAGE_CELL, id=LANGUAGE_CELL_ID))
        if cell.cell_type == "markdown":
            cell = nbformat.from_dict({**cell, "source": translations[cell.id][1]})
        cells.append(cell)
    out.cells = cells
    return out


def build_all(english: Path = ENGLISH, translations: Path | None = None) -> dict[str, str]:
    """Notebook file name -> the text of its Chinese edition, for every English notebook."""
    translations = translations or english / "zh" / "translations"
    built, problems = {}, []
    for path in sorted(english.glob("*.ipynb")):
        source = translations / f"{path.stem}.md"
        if not source.is_file():
            problems.append(f"{path.name}: no translation file {source.relative_to(english.parent)}")
            continue
        try:
            notebook = chinese_notebook(nbformat.read(path, as_version=4), read_translations(source), path.name)
        except TranslationProblem as err:
            problems += err.problems
            continue
        built[path.name] = nbformat.writes(notebook) + "\n"
    if problems:
        raise TranslationProblem(problems)
    return built


def check(out: Path = OUT, english: Path = ENGLISH) -> list[str]:
    """What differs between ``out`` and what the build writes: one line per notebook (empty: none)."""
    try:
        built = build_all(english)
    except TranslationProblem as err:
        return err.problems
    found = {path.name for path in out.glob("*.ipynb")}
    problems = [f"zh/{name}: missing (python scripts/zh_edition.py)" for name in sorted(set(built) - found)]
    problems += [f"zh/{name}: no English notebook builds it" for name in sorted(found - set(built))]
    problems += [f"zh/{name}: not what the build writes (python scripts/zh_edition.py)"
                 for name in sorted(set(built) & found) if (out / name).read_text(encoding="utf-8") != built[name]]
    return problems


def todo(stem: str, english: Path = ENGLISH) -> str:
    """A translation file for notebook ``stem``: current sections kept, new or changed ones in English, marked."""
    notebook = nbformat.read(english / f"{stem}.ipynb", as_version=4)
    source = english / "zh" / "translations" / f"{stem}.md"
    translations = read_translations(source) if source.is_file() else {}
    sections = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        digest = english_hash(cell.source)
        done = translations.get(cell.id)
        body = done[1] if done and done[0] == digest else f"TODO translate:\n{cell.source.strip()}"
        sections.append(f"<!-- cell {cell.id} en {digest} -->\n{body}\n")
    return "\n".join(sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare notebooks/zh with what the build writes")
    parser.add_argument("--todo", metavar="NOTEBOOK", help="print a translation file to complete, e.g. 04_elmo")
    args = parser.parse_args(argv)
    if args.todo:
        if not (ENGLISH / f"{args.todo}.ipynb").is_file():
            parser.error(f"--todo: no notebook notebooks/{args.todo}.ipynb")
        print(todo(args.todo), end="")
        return 0
    if args.check:
        problems = check()
        print("\n".join(problems) if problems else "notebooks/zh is what the build writes")
        return 1 if problems else 0
    try:
        built = build_all()
    except TranslationProblem as err:
        print("\n".join(err.problems), file=sys.stderr)
        return 1
    for name, text in built.items():
        (OUT / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(built)} Chinese notebooks to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
