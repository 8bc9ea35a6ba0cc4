"""Showing a figure in a notebook: stored as a PNG with its alt text, whatever matplotlib's backend.

``show_figure(alt)`` replaces ``plt.show()`` in the notebooks. It writes the figure as PNG bytes
itself and displays them, so the picture is kept in the saved notebook even when the kernel's
backend draws nothing (``MPLBACKEND=Agg``, as under nbval). The alt text, a sentence saying what
the figure shows, goes where the notebook format keeps it: the output's metadata
(``metadata["image/png"]["alt"]``, which nbconvert's HTML writes as the ``<img>``'s ``alt``), and
the output's ``text/plain`` form, which text-only readers of the notebook show instead of the image.
"""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
from IPython.display import display
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lessons_lib.checks import check_type

DPI = 100  # pixels per inch of the stored PNG (matplotlib's inline default)
MAX_WIDTH_INCHES = 10.0  # a laptop's notebook column is about 1,000 px: wider figures shrink their text
MIN_ALT_CHARS = 20  # an alt text says what the figure shows, not just "figure"


def figure_png(fig: Figure) -> tuple[bytes, tuple[int, int]]:
    """The figure as PNG bytes (tight bounding box, ``DPI``), and its (width, height) in pixels."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    data = buffer.getvalue()
    # A PNG's IHDR chunk holds the width and height as big-endian 32-bit numbers at bytes 16..24.
    return data, (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))


def show_figure(alt: str, fig: Figure | Axes | None = None) -> None:
    """Display ``fig`` (default: the current figure) as a stored PNG whose alt text is ``alt``; then close it."""
    check_type("alt", alt, str, "a str: a sentence saying what the figure shows")
    alt = " ".join(alt.split())
    if len(alt) < MIN_ALT_CHARS:
        raise ValueError(f"alt must say what the figure shows in at least {MIN_ALT_CHARS} characters, got {alt!r}")
    if fig is None:
        if not plt.get_fignums():
            raise ValueError("fig: there is no figure to show; draw one first or pass it")
        fig = plt.gcf()
    if isinstance(fig, Axes):
        fig = fig.figure
    check_type("fig", fig, Figure, "a matplotlib Figure or Axes")
    width = fig.get_figwidth()
    if width > MAX_WIDTH_INCHES:
        raise ValueError(f"fig is {width:.1f} inches wide; at most {MAX_WIDTH_INCHES:g} fit a laptop's notebook "
                         "column without shrinking the text: give it a smaller figsize")
    data, _ = figure_png(fig)
    plt.close(fig)  # shown once: the inline backend would otherwise show it again at the end of the cell
    display({"image/png": base64.b64encode(data).decode("ascii"), "text/plain": f"[figure: {alt}]"},
            metadata={"image/png": {"alt": alt}}, raw=True)
