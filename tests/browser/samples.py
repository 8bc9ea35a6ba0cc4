"""Small notebooks that prove the browser check itself: good, raising, with broken widgets, too slow."""

from __future__ import annotations

from pathlib import Path

import nbformat

# Every kind of control the check knows, each wired to an output of a different kind.
_GOOD = [
    "import sys\n\nimport ipywidgets as widgets\nimport matplotlib.pyplot as plt\n"
    "print('a warning on stderr is allowed', file=sys.stderr)",
    # A slider wired to an Output widget through observe.
    "slider = widgets.IntSlider(value=3, min=0, max=10, description='count')\n"
    "printed = widgets.Output()\n\n"
    "def show_count(_change=None):\n"
    "    printed.clear_output(wait=True)\n"
    "    with printed:\n"
    "        print('*' * slider.value, slider.value)\n\n"
    "slider.observe(show_count, names='value')\n"
    "show_count()\n"
    "widgets.VBox([slider, printed])",
    # interact: a slider and a dropdown, the function's result printed in interact's own Output.
    "@widgets.interact(n=(1, 6), word=['cat', 'dog'])\n"
    "def repeat(n=2, word='cat'):\n"
    "    print(' '.join([word] * n))",
    # Toggle buttons, a text box and a check box writing into an HTML widget.
    "style = widgets.ToggleButtons(options=['plain', 'bold'], description='style')\n"
    "text = widgets.Textarea(value='Hello', description='text')\n"
    "upper = widgets.Checkbox(value=False, description='upper case')\n"
    "shown = widgets.HTML()\n\n"
    "def redraw(_change=None):\n"
    "    words = text.value.upper() if upper.value else text.value\n"
    "    shown.value = f'<b>{words}</b>' if style.value == 'bold' else words\n\n"
    "for control in (style, text, upper):\n"
    "    control.observe(redraw, names='value')\n"
    "redraw()\n"
    "widgets.VBox([style, text, upper, shown])",
    # A slider whose only output is a plot: the check must see the image change, not only text.
    "width = widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.5, description='width')\n"
    "plot = widgets.Output()\n\n"
    "def draw(_change=None):\n"
    "    with plot:\n"
    "        plot.clear_output(wait=True)\n"
    "        fig, ax = plt.subplots(figsize=(3, 2))\n"
    "        ax.plot([0, width.value], [0, 1], linewidth=width.value * 2)\n"
    "        plt.show()\n\n"
    "width.observe(draw, names='value')\n"
    "draw()\n"
    "widgets.VBox([width, plot])",
    # A progress bar (display only) and a widget the notebook closes itself: neither is an error.
    "progress = widgets.IntProgress(value=7, max=10, description='done')\n"
    "display(progress)\n"
    "temporary = widgets.Label('gone soon')\n"
    "display(temporary)\n"
    "temporary.close()",
]

_RAISES = [
    "print('this cell runs')",
    "raise RuntimeError('this cell fails on purpose')",
    "print('this cell is never reached')",
]

_BROKEN_WIDGETS = [
    "import ipywidgets as widgets",
    # A dropdown next to an output that nothing updates: moving it changes nothing.
    "choice = widgets.Dropdown(options=['one', 'two'], description='unwired')\n"
    "widgets.VBox([choice, widgets.HTML('<b>always the same</b>')])",
    # An interact whose function fails once the slider moves.
    "@widgets.interact(k=(0, 5))\n"
    "def fragile(k=1):\n"
    "    if k > 1:\n"
    "        raise KeyError('fails when moved')\n"
    "    print('k =', k)",
    # A widget view whose model does not exist: ipywidgets shows 'Error displaying widget'.
    "display({'application/vnd.jupyter.widget-view+json':\n"
    "         {'model_id': 'no-such-model', 'version_major': 2, 'version_minor': 0}}, raw=True)",
    # A widget whose only control cannot be moved (one option): it proves nothing, so it fails.
    "widgets.interact(lambda word: print(word), word=widgets.Dropdown(options=['only'], description='stuck'))",
]

# A notebook slower than the Run All budget it is given: the report must say how far it got.
_SLOW = [
    "print('this cell runs')",
    "import time\ntime.sleep(600)",
    "print('this cell waits')",
]

SAMPLES = {"good": _GOOD, "raises": _RAISES, "broken_widgets": _BROKEN_WIDGETS, "slow": _SLOW}


def write_samples(folder: Path) -> dict[str, Path]:
    """Write the sample notebooks into ``folder``; return their paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, sources in SAMPLES.items():
        notebook = nbformat.v4.new_notebook()
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
        paths[name] = folder / f"sample_{name}.ipynb"
        nbformat.write(notebook, paths[name])
    return paths
