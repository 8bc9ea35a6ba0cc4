"""Sample notebooks for testing the browser harness itself."""

from pathlib import Path

import nbformat

_WIRED = '''import ipywidgets as w
slider = w.IntSlider(value=5, min=0, max=10, description="n")
choice = w.Dropdown(options=["a", "b"], description="pick")
out = w.HTML()
def redraw(_=None):
    out.value = f"<b>{choice.value * slider.value}</b>"
slider.observe(redraw, names="value"); choice.observe(redraw, names="value"); redraw()
w.VBox([choice, slider, out])'''
_DEAD = '''import ipywidgets as w
choice = w.Dropdown(options=["a", "b"], description="pick")
out = w.HTML("<b>never changes</b>")
w.VBox([choice, out])'''


def _notebook(*sources: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def write_samples(folder: Path) -> dict[str, Path]:
    """Write the good, raising and dead-widget samples; return their paths by kind."""
    notebooks = {
        "good": _notebook("print('hello')", _WIRED),
        "raises": _notebook("print('before')", "raise RuntimeError('this cell fails on purpose')"),
        "dead_widget": _notebook(_DEAD),
    }
    paths = {}
    for kind, nb in notebooks.items():
        paths[kind] = folder / f"zz_sample_{kind}.ipynb"
        nbformat.write(nb, paths[kind])
    return paths
