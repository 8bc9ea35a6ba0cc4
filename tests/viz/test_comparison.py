"""lessons_lib.viz.comparison: what one output of ELMo, GPT and BERT is computed from."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lessons_lib.viz.comparison import plot_three_readers  # noqa: E402


def _arrows(ax):
    return [child for child in ax.get_children() if type(child).__name__ == "Annotation"]


def test_each_panel_reads_what_its_model_reads():
    fig = plot_three_readers(["a", "b", "c", "d", "e"], position=1)
    elmo, gpt, bert = fig.axes
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["ELMo", "GPT", "BERT"]
    # GPT: arrows from words 0 and 1 only; BERT: from all 5.
    assert len(_arrows(gpt)) == 2 and len(_arrows(bert)) == 5
    # ELMo: 1 forward step (0 -> 1), 3 backward steps (4 -> 3 -> 2 -> 1), 6 words in (word 1 into
    # both chains), 2 halves out.
    assert len(_arrows(elmo)) == 1 + 3 + 6 + 2
    # GPT's words after the output are drawn grey: never read.
    faces = [text.get_bbox_patch().get_facecolor() for text in gpt.texts if len(text.get_text()) == 1]
    assert faces[0] == faces[1] != faces[2] == faces[4]
    plt.close(fig)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="position"):
        plot_three_readers(["a", "b"], position=2)
    with pytest.raises(ValueError, match="words"):
        plot_three_readers([])
