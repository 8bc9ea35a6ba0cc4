"""The student edition (scripts/student_edition.py, `make student`) and the instructor's guide's facts.

The student edition keeps every cell of the instructor's edition but the written-out answers, with no
outputs; its exercises still reach their checkers. `make test-student` runs it under nbval; here it
is built and read, not run. The guide's generated lines must agree with the notebooks and the README.
"""

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

from lessons_lib.exercises import exercise_kind

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
spec = importlib.util.spec_from_file_location("student_edition", ROOT / "scripts" / "student_edition.py")
edition = importlib.util.module_from_spec(spec)
spec.loader.exec_module(edition)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("edition") / "student"
    return out, edition.build(NOTEBOOKS, out)


def _without_markers(source: str) -> str:
    lines = source.splitlines(keepends=True)
    return "".join(line for line in lines if not re.fullmatch(r"\s*#\s*NBVAL_\w+_OUTPUT\s*", line))


def test_every_notebook_without_outputs_or_answers_and_every_other_cell_kept(built):
    out, _ = built
    instructor = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert [p.name for p in sorted(out.glob("*.ipynb"))] == [p.name for p in instructor]
    answers = 0
    for path in instructor:
        teacher = nbformat.read(path, as_version=4)
        student = nbformat.read(out / path.name, as_version=4)
        nbformat.validate(student)
        kept = [cell for cell in teacher.cells if not edition.is_answer(cell)]
        answers += len(teacher.cells) - len(kept)
        assert [c.get("id") for c in student.cells] == [c.get("id") for c in kept], path.name
        for cell, original in zip(student.cells, kept, strict=True):
            assert not edition.is_answer(cell) and not edition.looks_like_answer(cell), (path.name, cell.get("id"))
            assert "execution" not in cell.metadata
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (path.name, cell.get("id"))
                assert "NBVAL_CHECK_OUTPUT" not in cell.source  # nothing stored to compare with
                assert cell.source == _without_markers(original.source), (path.name, cell.get("id"))
            else:
                assert cell.source == original.source
        assert "widgets" not in student.metadata
    assert answers >= 1  # notebook 07's written answer to its question 5, at least


def test_stored_results_travel_with_the_edition(built):
    out, _ = built
    results = sorted(p.name for p in (NOTEBOOKS / "results").iterdir())
    assert results and sorted(p.name for p in (out / "results").iterdir()) == results
    for path in out.glob("*.ipynb"):  # every stored file a notebook reads is there
        for name in re.findall(r"results/([\w.]+\.json)", path.read_text(encoding="utf-8")):
            assert (out / "results" / name).is_file(), (path.name, name)


def test_manifest_lists_every_check_with_id_points_and_a_checker(built):
    out, manifest = built
    assert json.loads((out / "exercises.json").read_text(encoding="utf-8"))["exercises"] == manifest
    in_notebooks = []
    for path in sorted(out.glob("*.ipynb")):  # the student's cells still call every checker
        student = nbformat.read(path, as_version=4)
        in_notebooks += [(path.name, i) for c in student.cells if c.cell_type == "code"
                         for i in re.findall(r"\bcheck\(\s*\"([^\"]+)\"", c.source)]
    assert [(e["notebook"], e["id"]) for e in manifest] == in_notebooks
    assert len({e["id"] for e in manifest}) == len(manifest)  # one id, one exercise
    for e in manifest:
        assert e["points"] == edition.POINTS[exercise_kind(e["id"])] and e["cell"]
    per_notebook = {e["notebook"] for e in manifest}
    assert per_notebook == {p.name for p in NOTEBOOKS.glob("*.ipynb")}


def _notebook(*cells):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = list(cells)
    return notebook


def test_an_untagged_answer_stops_the_build_and_a_tagged_one_is_left_out():
    question = nbformat.v4.new_markdown_cell("5. *Think:* why?")
    answer = nbformat.v4.new_markdown_cell("*Answer to 5:* because.")
    code = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)", execution_count=3,
                                     outputs=[nbformat.v4.new_output("stream", text="1\n")])
    with pytest.raises(ValueError, match=answer.id):
        edition.student_notebook(_notebook(question, answer, code))
    printed = nbformat.v4.new_code_cell('solution("gpt-moved-outputs", length=10, changed=6)')
    with pytest.raises(ValueError, match=printed.id):
        edition.student_notebook(_notebook(question, printed))
    answer.metadata["tags"] = ["answer"]
    student = edition.student_notebook(_notebook(question, answer, code))
    assert [c.id for c in student.cells] == [question.id, code.id]
    assert student.cells[1].source == "print(1)" and student.cells[1].outputs == []
    assert student.cells[1].execution_count is None
    # A question that asks for a tuple does not look like an answer.
    assert not edition.looks_like_answer(nbformat.v4.new_markdown_cell("2. How many? Answer as a tuple."))
    assert not edition.looks_like_answer(nbformat.v4.new_markdown_cell("1. How many?\n   Answer `(a, b)`."))


def test_the_checked_edition_keeps_stored_outputs_and_markers_and_still_leaves_the_answers_out(tmp_path):
    out = tmp_path / "student-checked"
    manifest = edition.build(NOTEBOOKS, out, with_outputs=True)
    assert manifest == edition.build(NOTEBOOKS, tmp_path / "student")  # the same exercises
    checked = 0
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        teacher = nbformat.read(path, as_version=4)
        kept = nbformat.read(out / path.name, as_version=4)
        assert [c for c in teacher.cells if not edition.is_answer(c)] == kept.cells, path.name
        checked += sum("NBVAL_CHECK_OUTPUT" in c.source and bool(c.outputs) for c in kept.cells)
    assert checked >= 40  # nbval has stored outputs to compare in every notebook


def test_the_build_replaces_only_an_earlier_edition(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="earlier student edition"):
        edition.build(NOTEBOOKS, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_claims_come_from_the_opening_cell_and_read_as_ranges():
    opening = nbformat.v4.new_markdown_cell("# 99\n**B1** x; B2 y; **B3**, B9 and G2; from the comparison C3, C4")
    later = nbformat.v4.new_markdown_cell("## 1. (E5)")
    codes = edition.claims(_notebook(opening, later))
    assert codes == ["B1", "B2", "B3", "B9", "G2", "C3", "C4"]
    assert edition.claim_ranges(codes) == "B1-B3, B9, G2, C3, C4"


def test_the_guide_agrees_with_the_notebooks_and_the_bench_table():
    guide = (ROOT / "INSTRUCTORS.md").read_text(encoding="utf-8")
    facts = edition.guide_facts(NOTEBOOKS, (ROOT / "README.md").read_text(encoding="utf-8"))
    assert edition.guide_with_facts(guide, facts) == guide, (
        "INSTRUCTORS.md's generated lines are out of date: run `python scripts/student_edition.py --guide`")
    # Every exercise the guide's own words name (homework, pauses) is one of the notebooks'.
    ids = {e["id"] for path in NOTEBOOKS.glob("*.ipynb")
           for e in edition.exercises(nbformat.read(path, as_version=4), path.name)}
    named = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", re.sub(r"<!-- facts.*?<!-- /facts -->", "", guide, flags=re.S)))
    assert named and named <= ids, f"the guide names exercises no notebook has: {sorted(named - ids)}"


def test_readme_links_the_guide_and_names_both_editions():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(INSTRUCTORS.md)" in readme
    assert "make student" in readme and "make test-student" in readme


def test_every_notebook_has_a_change_the_code_exercise_with_one_switch_and_an_assert():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        changes = edition.code_changes(notebook, path.name)
        assert changes, f"{path.name} has no change-the-code exercise ({edition.CODE_CHANGE!r} then its cell)"
        cells = {cell.get("id"): (i, cell) for i, cell in enumerate(notebook.cells)}
        for change in changes:
            i, cell = cells[change["cell"]]
            told = notebook.cells[i - 1].source
            assert f"`{change['switch']} = {change['try']}`" in told, (path.name, "the text names the switch to flip")
            assert "assert" in cell.source, (path.name, change["cell"], "flipping the switch must fail an assert")
            assigned = re.findall(rf"^{change['switch']} = ", cell.source, re.M)
            assert len(assigned) == 1, (path.name, change["switch"], "one line sets the switch")
            assert change["try"] != change["value"]


def test_a_change_the_code_cell_without_its_switch_line_stops_the_guide():
    text = nbformat.v4.new_markdown_cell(f"{edition.CODE_CHANGE} Set `flag = False` and run it.")
    good = _notebook(nbformat.v4.new_markdown_cell("## 2. Masks"), text,
                     nbformat.v4.new_code_cell("flag = True  # try False: the assert fails\nassert flag"))
    assert edition.code_changes(good, "x.ipynb") == [{"notebook": "x.ipynb", "cell": good.cells[2].get("id"),
                                                       "section": "2. Masks", "switch": "flag", "value": "True",
                                                       "try": "False"}]
    for follower in (nbformat.v4.new_code_cell("flag = True\nassert flag"), nbformat.v4.new_markdown_cell("x")):
        with pytest.raises(ValueError, match="x.ipynb: the change-the-code cell"):
            edition.code_changes(_notebook(text, follower), "x.ipynb")
    with pytest.raises(ValueError, match="followed by a code cell"):
        edition.code_changes(_notebook(text), "x.ipynb")
