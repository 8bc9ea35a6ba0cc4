"""lessons_lib.viz.plots: loss curves, masks and attention as heat maps, corpus statistics."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lessons_lib.layers.masks import look_ahead_mask  # noqa: E402
from lessons_lib.training.loop import TrainHistory  # noqa: E402
from lessons_lib.viz.plots import (  # noqa: E402
    plot_attention,
    plot_corpus_statistics,
    plot_loss_curves,
    plot_losses,
    plot_mask,
    plot_scores,
)


def test_plot_mask_labels_every_token():
    ax = plot_mask(look_ahead_mask(3), ["a", "b", "c"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert ax.images[0].get_array().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    plt.close("all")


def test_plot_attention_and_losses():
    weights = torch.softmax(torch.randn(4, 4), -1)
    ax = plot_attention(weights, list("abcd"), annotate=True)
    assert len(ax.texts) == 16 and ax.texts[1].get_text() == f"{weights[0, 1].item():.2f}"
    assert ax.images[0].get_array().flatten().tolist() == pytest.approx(weights.flatten().tolist())
    ax = plot_losses({"a": TrainHistory(losses=[3.0, 2.0, 1.0]), "b": [2.0, 1.0]}, smooth=2)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    raw_a, smooth_a = ax.lines[0], ax.lines[1]  # raw in pale, then the running mean on top
    assert raw_a.get_ydata().tolist() == [3.0, 2.0, 1.0] and smooth_a.get_ydata().tolist() == [3.0, 2.5, 1.5]
    assert raw_a.get_color() == smooth_a.get_color()
    assert plot_losses([1.0, 0.5]).get_legend().get_texts()[0].get_text() == "loss"  # one run, a plain list
    plt.close("all")


def test_plot_loss_curves_one_colour_per_group_and_a_cross_where_a_run_stopped():
    runs = [{"variant": "pre-LN", "seed": 0, "curve_steps": [10, 20, 30], "curve_loss": [5.0, 4.0, 3.5]},
            {"variant": "post-LN", "seed": 0, "curve_steps": [10, 20, 30], "curve_loss": [5.0, 6.0, None]},
            {"variant": "pre-LN", "seed": 1, "curve_steps": [10, 20], "curve_loss": [5.1, 4.1]}]
    ax = plot_loss_curves(runs, baseline=6.5)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["pre-LN", "post-LN", "unigram baseline"]
    first, second, cross, third, base = ax.lines
    assert first.get_ydata().tolist() == [5.0, 4.0, 3.5] and third.get_color() == first.get_color()
    assert second.get_xdata().tolist() == [10, 20] and second.get_color() != first.get_color()
    assert cross.get_marker() == "x" and cross.get_xdata().tolist() == [20]  # the last finite point
    assert list(base.get_ydata()) == [6.5, 6.5]
    with pytest.raises(TypeError, match="runs must be"):
        plot_loss_curves([])
    with pytest.raises(ValueError, match="same length"):
        plot_loss_curves([{"variant": "a", "curve_steps": [1, 2], "curve_loss": [1.0]}])
    plt.close("all")


def test_plot_attention_leaves_masked_cells_empty():
    mask = look_ahead_mask(3)
    weights = torch.tensor([[1.0, 0.0, 0.0], [0.4, 0.6, 0.0], [0.2, 0.3, 0.5]])
    ax = plot_attention(weights, list("abc"), mask=mask, annotate=True)
    drawn = ax.images[0].get_array()
    assert drawn.mask.tolist() == (~mask).tolist()  # masked cells: no colour at all
    assert drawn[2, 1] == pytest.approx(0.3) and len(ax.texts) == 6  # numbers in the six visible cells only
    with pytest.raises(ValueError, match="mask has shape"):
        plot_attention(weights, mask=torch.ones(2, 2))
    plt.close("all")


def test_plot_scores_centres_its_colours_on_zero_and_hatches_the_masked_cells():
    scores = torch.tensor([[1.0, float("-inf")], [-3.0, 2.0]])
    ax = plot_scores(scores, ["a", "b"])
    image = ax.images[0]
    assert image.get_array().mask.tolist() == [[False, True], [False, False]]  # -inf: no colour
    assert image.get_array()[1, 0] == -3.0 and image.get_clim() == (-3.0, 3.0)  # one scale, symmetric about 0
    (hatching,) = ax.patches  # behind the image, seen only through the empty (masked) cells
    assert hatching.get_hatch() == "///" and hatching.get_zorder() < image.get_zorder()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert plot_scores([[0.0, 0.0]]).images[0].get_clim() == pytest.approx((-1e-9, 1e-9))  # all zero: still drawn
    plt.close("all")


def test_plot_scores_rejects_what_is_not_a_score_matrix():
    with pytest.raises(ValueError, match="scores must hold finite numbers, or -inf where masked"):
        plot_scores(torch.tensor([[0.0, float("nan")]]))
    with pytest.raises(ValueError, match="scores must hold finite numbers"):
        plot_scores(torch.tensor([[float("inf")]]))
    with pytest.raises(ValueError, match="at least one finite"):
        plot_scores(torch.full((2, 2), float("-inf")))
    with pytest.raises(ValueError, match="scores must be 2-D"):
        plot_scores(torch.zeros(2, 2, 2))
    with pytest.raises(TypeError, match="scores must be a 2-D tensor or array of numbers, got str"):
        plot_scores("scores")
    with pytest.raises(ValueError, match="key_tokens has 1 labels for 2"):
        plot_scores(torch.zeros(2, 2), ["a", "b"], key_tokens=["a"])
    plt.close("all")


def test_plot_corpus_statistics_draws_the_counts_and_the_lengths():
    stats = {"train": {"documents": 3, "sentences": 5, "words": 40, "sentence_lengths": [6, 8, 8, 8, 10]},
             "valid": {"documents": 1, "sentences": 2, "words": 9, "sentence_lengths": [4, 5]}}
    counts, lengths = plot_corpus_statistics(stats)
    assert [[bar.get_height() for bar in bars] for bars in counts.containers] == [[3, 1], [5, 2], [40, 9]]
    assert lengths.get_legend().get_texts()[0].get_text() == "median 8"
    assert sum(patch.get_height() for patch in lengths.patches) == 5  # every train sentence in the histogram
    plt.close("all")


def test_plots_reject_bad_input():
    with pytest.raises(ValueError, match="mask must be 2-D"):
        plot_mask(torch.ones(2, 2, 2))
    with pytest.raises(ValueError, match="tokens has 2 labels"):
        plot_attention(torch.ones(3, 3), ["a", "b"])
    with pytest.raises(TypeError, match="histories"):
        plot_losses({})
    with pytest.raises(ValueError, match="corpus_statistics"):
        plot_corpus_statistics({"train": {}})
    plt.close("all")
