"""The committed notebooks, as a student first reads them: every figure is stored, with alt text, at a laptop's width.

These read the notebooks' stored outputs, so they hold once the notebooks are executed with
`make notebooks`; a notebook saved without running (or run by an old version) fails here.
"""

import base64
import re
from pathlib import Path

import nbformat
import pytest

from lessons_lib.viz.figures import MIN_ALT_CHARS

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
LAPTOP_PX = 1000  # a laptop's JupyterLab column: a wider PNG is scaled down, and its text with it
DRAWS = re.compile(r"\bshow_figure\(|\bplt\.show\(")


def _code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def _images(cell):
    return [o for o in cell.outputs if "image/png" in o.get("data", {})]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_figures_are_shown_through_the_helper_that_stores_alt_text(path):
    raw = [c.source for c in _code_cells(path) if "plt.show(" in c.source]
    assert not raw, f"{path.name}: use lessons_lib.viz.show_figure(alt) instead of plt.show() in {raw[0][:80]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_that_draws_has_its_figure_stored(path):
    cells = _code_cells(path)
    blank = [c.source.splitlines()[0] for c in cells if DRAWS.search(c.source) and not _images(c)]
    assert cells and not blank, (f"{path.name}: {len(blank)} drawing cell(s) have no stored image (re-execute with "
                                 f"`make notebooks`), the first starts {blank[:1]}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_stored_figure_has_alt_text_and_fits_a_laptop(path):
    for cell in _code_cells(path):
        for output in _images(cell):
            alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
            assert len(alt) >= MIN_ALT_CHARS, f"{path.name}: an image without alt text in {cell.source[:80]!r}"
            png = base64.b64decode(output["data"]["image/png"])
            width = int.from_bytes(png[16:20], "big")  # the PNG header's width field
            assert width <= LAPTOP_PX, f"{path.name}: a {width}-px-wide figure in {cell.source[:80]!r}"
