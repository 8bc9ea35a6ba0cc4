"""lessons_lib.viz.figures: a figure shown in a notebook is stored as a PNG with its alt text, whatever the backend."""

import base64
import os

import matplotlib.pyplot as plt
import nbformat
import pytest
from nbclient import NotebookClient

import lessons_lib.viz.figures as figures
from lessons_lib.viz import show_figure

ALT = "a line rising from 0 to 1 over ten steps"


def _shown(monkeypatch) -> list:
    calls = []
    monkeypatch.setattr(figures, "display", lambda data, metadata, raw: calls.append((data, metadata, raw)))
    return calls


def test_the_figure_is_displayed_as_png_bytes_with_its_alt_text_and_closed(monkeypatch):
    calls = _shown(monkeypatch)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(range(10))
    show_figure(f"  {ALT}\n ")
    (data, metadata, raw), = calls
    png = base64.b64decode(data["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and raw
    assert metadata == {"image/png": {"alt": ALT}} and data["text/plain"] == f"[figure: {ALT}]"
    assert figures.figure_png(fig)[1][0] <= 4 * figures.DPI  # tight box: no wider than the figure
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend does not show it a second time


def test_an_axes_or_a_figure_can_be_passed(monkeypatch):
    calls = _shown(monkeypatch)
    plt.close("all")  # figures other tests left open in this process
    fig, ax = plt.subplots()
    show_figure(ALT, ax)
    other = plt.figure()
    show_figure(ALT, other)
    assert len(calls) == 2 and not plt.get_fignums()


def test_bad_arguments_are_refused_by_name(monkeypatch):
    calls = _shown(monkeypatch)
    plt.close("all")
    with pytest.raises(ValueError, match="no figure"):
        show_figure(ALT)
    fig = plt.figure(figsize=(3, 2))
    with pytest.raises(ValueError, match="alt"):
        show_figure("a plot")  # says nothing of what it shows
    with pytest.raises(TypeError, match="alt"):
        show_figure(None)
    with pytest.raises(TypeError, match="fig"):
        show_figure(ALT, "figure")
    fig.set_size_inches(14, 4)
    with pytest.raises(ValueError, match="fig is 14.0 inches wide"):
        show_figure(ALT, fig)
    plt.close("all")
    assert not calls


def test_a_notebook_run_with_a_backend_that_draws_nothing_still_stores_the_figure(tmp_path, monkeypatch):
    # MPLBACKEND=Agg, as under `make test-notebooks`: plt.show() would store nothing, show_figure stores the PNG.
    for name in ("HOME", "XDG_CACHE_HOME", "MPLCONFIGDIR"):
        (tmp_path / name.lower()).mkdir()
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import matplotlib.pyplot as plt\nfrom lessons_lib.viz import show_figure\n"
        f"plt.plot([0, 1])\nplt.show()\nplt.plot([0, 1])\nshow_figure({ALT!r})")])
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": os.getcwd()}}).execute()
    images = [o for o in notebook.cells[0].outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1 and images[0]["metadata"]["image/png"]["alt"] == ALT
