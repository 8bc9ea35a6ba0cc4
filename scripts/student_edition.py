"""The student edition of the notebooks, its exercise manifest, and the instructor's guide's facts.

`make student` (`python scripts/student_edition.py`) writes build/student/, a folder that runs as it
is: every notebook with its outputs cleared and its written-out answers left out (cells tagged
`answer` in their metadata), the stored results the notebooks read, and `exercises.json`, which
lists every checked exercise (id, notebook, cell, section, kind, points) for a grader. The checkers
live in lessons_lib, so `check(...)` still says "correct" or gives a hint.

A cell that looks like a written-out answer (it starts with "Answer", or calls `solution(`) but is
not tagged stops the build: tag it, or it would reach the students.

`--with-outputs` keeps the instructor's stored outputs and nbval's markers (build/student-checked, as
`make test-pythons` runs it): the same notebooks without their answers, whose stored outputs nbval
can still compare, so that one run checks both on each Python.

`--guide` rewrites the generated lines of INSTRUCTORS.md (each notebook's claims, run time and
memory from the README's `make bench` table, and its exercises) from the notebooks themselves;
tests/test_student_edition.py fails when they disagree.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ANSWER_TAG = "answer"  # cell metadata tag of a written-out answer: left out of the student edition
POINTS = {"value": 1, "code": 2}  # an answer to compute or predict; a function to write
# Markers that compare or ignore stored outputs: with no stored outputs left they mean nothing, and
# nbval would fail every checked cell (its fresh output against none).
_OUTPUT_MARKER = re.compile(r"^[ \t]*#[ \t]*NBVAL_(CHECK|IGNORE)_OUTPUT[ \t]*\n?", re.M)
_ANSWER_START = re.compile(r"^\s*(#+\s*)?[*_]*\s*(answers?|solutions?)\b", re.I)
_ANSWER_HEADING = re.compile(r"^#+\s*(answers|solutions)\b", re.I | re.M)
_CHECK_CALL = re.compile(r"\bcheck\(\s*[\"']([^\"']+)[\"']")
_CLAIM = re.compile(r"\b([BCEG])(\d{1,2})\b")
CODE_CHANGE = "**Change the code.**"  # opens the markdown cell of an exercise that flips a switch
_SWITCH = re.compile(r"^(?P<name>[A-Za-z_]\w*) = (?P<value>.+?)\s+#\s*try (?P<other>[^:]+?)\s*(:.*)?$")
_FACTS = re.compile(r"(<!-- facts (\S+\.ipynb)[^>]*-->\n)(.*?)(<!-- /facts -->)", re.S)


def is_answer(cell: dict) -> bool:
    """True for a cell tagged as a written-out answer."""
    return ANSWER_TAG in cell.get("metadata", {}).get("tags", [])


def looks_like_answer(cell: dict) -> bool:
    """True for a cell that reads like a written-out answer, tagged or not."""
    if cell["cell_type"] == "markdown":
        return bool(_ANSWER_START.match(cell["source"]) or _ANSWER_HEADING.search(cell["source"]))
    return cell["cell_type"] == "code" and "solution(" in cell["source"]


def student_notebook(notebook: nbformat.NotebookNode, name: str = "notebook", *,
                     with_outputs: bool = False) -> nbformat.NotebookNode:
    """A copy of ``notebook`` without outputs, execution counts, stored widget state and answers
    (``with_outputs``: without its answers only, stored outputs and nbval's markers kept)."""
    untagged = [cell.get("id") for cell in notebook.cells if looks_like_answer(cell) and not is_answer(cell)]
    if untagged:
        raise ValueError(f"{name}: cells {untagged} look like written-out answers; tag them {ANSWER_TAG!r} "
                         "in their metadata (or reword them) so that the student edition leaves them out")
    student = copy.deepcopy(notebook)
    student.cells = [cell for cell in student.cells if not is_answer(cell)]
    if with_outputs:
        return student
    student.metadata.pop("widgets", None)
    for cell in student.cells:
        cell.metadata.pop("execution", None)  # run timestamps
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = _OUTPUT_MARKER.sub("", cell.source)
    return student


def _sectioned(notebook: nbformat.NotebookNode):
    """Each cell with the numbered section it sits in (the last ``#`` or ``##`` heading above it)."""
    section = ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            headings = re.findall(r"^#{1,2}\s+(.+)$", cell.source, re.M)  # sections, not their subsections
            section = headings[-1].strip() if headings else section
        yield section, cell


def exercises(notebook: nbformat.NotebookNode, name: str) -> list[dict]:
    """Every ``check("id", ...)`` of ``notebook``, in order: id, cell, section, kind and points."""
    from lessons_lib.exercises import exercise_kind

    found = []
    for section, cell in _sectioned(notebook):
        if cell.cell_type == "code" and not is_answer(cell):
            for exercise_id in _CHECK_CALL.findall(cell.source):
                kind = exercise_kind(exercise_id)
                found.append({"id": exercise_id, "notebook": name, "cell": cell.get("id"), "section": section,
                              "check_yourself": "check yourself" in section.lower(), "kind": kind,
                              "points": POINTS[kind]})
    return found


def code_changes(notebook: nbformat.NotebookNode, name: str) -> list[dict]:
    """Every change-the-code exercise: a markdown cell opening with ``CODE_CHANGE``, then a code cell
    whose first line sets the one switch to flip (``name = value  # try other``)."""
    found, cells = [], list(_sectioned(notebook))
    for (section, cell), (_, following) in zip(cells, cells[1:] + [("", None)], strict=True):
        if cell.cell_type != "markdown" or not cell.source.startswith(CODE_CHANGE):
            continue
        first = following.source.splitlines()[0] if following is not None and following.cell_type == "code" else ""
        switch = _SWITCH.match(first)
        if not switch:
            raise ValueError(f"{name}: the change-the-code cell {cell.get('id')} must be followed by a code cell whose "
                             "first line sets its switch, as `name = value  # try other`")
        found.append({"notebook": name, "cell": following.get("id"), "section": section, "switch": switch["name"],
                      "value": switch["value"], "try": switch["other"]})
    return found


def claims(notebook: nbformat.NotebookNode) -> list[str]:
    """The lecture note's claims a notebook says it teaches: those its opening cell names."""
    opening = next((cell.source for cell in notebook.cells if cell.cell_type == "markdown"), "")
    seen: dict[str, list[int]] = {}  # letter -> numbers, letters in order of first mention
    for letter, number in _CLAIM.findall(opening):
        numbers = seen.setdefault(letter, [])
        if int(number) not in numbers:
            numbers.append(int(number))
    return [f"{letter}{n}" for letter, numbers in seen.items() for n in sorted(numbers)]


def claim_ranges(codes: list[str]) -> str:
    """``["B1", "B2", "B3", "B9"]`` as ``"B1-B3, B9"``: runs of three or more written as a range."""
    parts, run = [], []
    for code in codes + [""]:
        if run and code[:1] == run[-1][:1] and code and int(code[1:]) == int(run[-1][1:]) + 1:
            run.append(code)
            continue
        if run:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ", ".join(run))
        run = [code]
    return ", ".join(parts)


def bench_figures(readme: str) -> dict[str, tuple[float, int]]:
    """The README's `make bench` table: notebook -> (wall time in s, peak memory in MiB)."""
    lines = readme.splitlines()
    for i, line in enumerate(lines):
        header = [cell.strip().lower() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and any("wall time" in c for c in header) and any("peak memory" in c for c in header):
            time_col = next(j for j, c in enumerate(header) if "wall time" in c)
            memory_col = next(j for j, c in enumerate(header) if "peak memory" in c)
            figures = {}
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
                figures[cells[0]] = (float(cells[time_col]), int(cells[memory_col].replace(",", "")))
            return figures
    raise ValueError("README.md has no table with 'wall time' and 'peak memory' columns (the `make bench` table)")


def guide_facts(notebook_dir: Path, readme: str) -> dict[str, str]:
    """The generated lines of the instructor's guide, one block per notebook."""
    bench = bench_figures(readme)
    facts = {}
    for path in sorted(notebook_dir.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        found = exercises(notebook, path.name)
        if path.name not in bench:
            raise ValueError(f"README.md's `make bench` table has no row for {path.name}")
        seconds, mib = bench[path.name]
        in_text = [e for e in found if not e["check_yourself"]]
        homework = [e for e in found if e["check_yourself"]]
        lines = [f"**Claims:** {claim_ranges(claims(notebook)) or 'none (an introduction)'} · "
                 f"**run time** {seconds:g} s, **peak memory** {mib} MiB (`make bench`) · "
                 f"**{len(found)} exercises, {sum(e['points'] for e in found)} points**"]
        if in_text:
            lines.append("**Asked in the text (pause here):** " + _listing(in_text))
        if homework:
            lines.append("**Check yourself:** " + _listing(homework, sections=False))
        changes = code_changes(notebook, path.name)
        if changes:
            lines.append("**Change the code (flip one switch, an assert fails):** " + "; ".join(
                f"{_section_label(c['section'])}`{c['switch']} = {c['value']}`, try `{c['try']}`" for c in changes))
        facts[path.name] = "  \n".join(lines) + "\n"
    return facts


def _listing(found: list[dict], sections: bool = True) -> str:
    """Exercises, with ``sections`` grouped by numbered section: ``§4 `id` (2 pts), `id` (1 pt)``."""
    groups: dict[str, list[str]] = {}
    for e in found:
        label = _section_label(e["section"]) if sections else ""
        groups.setdefault(label, []).append(f"`{e['id']}` ({e['points']} pt{'s' if e['points'] > 1 else ''})")
    return "; ".join(label + ", ".join(items) for label, items in groups.items())


def _section_label(section: str) -> str:
    """``"§3 "`` for a section headed "3. ...", else nothing."""
    number = re.match(r"(\d+)\.", section)
    return f"§{number.group(1)} " if number else ""


def guide_with_facts(guide: str, facts: dict[str, str]) -> str:
    """``guide`` with each generated block replaced by ``facts``; every notebook must have one."""
    named = [m.group(2) for m in _FACTS.finditer(guide)]
    if sorted(named) != sorted(facts):
        raise ValueError(f"the guide's facts blocks name {sorted(named)}, the notebooks are {sorted(facts)}")
    return _FACTS.sub(lambda m: m.group(1) + facts[m.group(2)] + m.group(4), guide)


# The Chinese edition (notebooks/zh) and the page that offers both editions stay out: the student
# edition is the English one.
CHINESE_EDITION = ("zh", "index.md")


def build(notebook_dir: Path, out: Path, *, with_outputs: bool = False) -> list[dict]:
    """Write the student edition of ``notebook_dir`` to ``out`` (replaced); return its exercises."""
    if out.exists() and any(out.iterdir()):  # only an earlier edition is replaced, never another folder
        if not (out / "exercises.json").is_file() or out.resolve() in (notebook_dir.resolve(), ROOT):
            raise ValueError(f"out must be a new folder or an earlier student edition, got {out}")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for path in sorted(notebook_dir.iterdir()):
        if path.name in CHINESE_EDITION:
            continue
        if path.suffix == ".ipynb":
            notebook = nbformat.read(path, as_version=4)
            nbformat.write(student_notebook(notebook, path.name, with_outputs=with_outputs), out / path.name)
            manifest += exercises(notebook, path.name)
        elif path.is_dir() and path.name not in (".ipynb_checkpoints", "__pycache__"):
            shutil.copytree(path, out / path.name)  # stored results the notebooks read
        elif path.is_file():
            shutil.copy2(path, out / path.name)
    (out / "exercises.json").write_text(json.dumps({
        "about": "Every checked exercise of the notebooks. A notebook cell calls check(id, answer), which prints "
                 "'[id] correct' for a right answer; points: value 1, code (write a function) 2.",
        "exercises": manifest}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="the instructor's edition")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "student", help="where to write the student edition")
    parser.add_argument("--with-outputs", action="store_true",
                        help="keep the stored outputs and nbval's markers (answers still left out), for nbval to compare")
    parser.add_argument("--guide", action="store_true", help="rewrite INSTRUCTORS.md's generated lines instead")
    args = parser.parse_args()
    if args.guide:
        guide = ROOT / "INSTRUCTORS.md"
        facts = guide_facts(args.notebooks, (ROOT / "README.md").read_text(encoding="utf-8"))
        guide.write_text(guide_with_facts(guide.read_text(encoding="utf-8"), facts), encoding="utf-8")
        print(f"rewrote the facts of {len(facts)} notebooks in {guide.relative_to(ROOT)}")
        return 0
    manifest = build(args.notebooks, args.out, with_outputs=args.with_outputs)
    notebooks = len({e["notebook"] for e in manifest})
    print(f"student edition: {args.out} ({len(list(args.out.glob('*.ipynb')))} notebooks, {len(manifest)} "
          f"exercises in {notebooks} of them, {sum(e['points'] for e in manifest)} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
