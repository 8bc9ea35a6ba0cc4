import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lessons_lib.attention import look_ahead_mask  # noqa: E402
from lessons_lib.plots import plot_attention, plot_corpus_statistics, plot_losses, plot_mask  # noqa: E402
from lessons_lib.training import TrainHistory  # noqa: E402


def test_plot_mask_labels_every_token():
    ax = plot_mask(look_ahead_mask(3), ["a", "b", "c"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert ax.images[0].get_array().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    plt.close("all")


def test_plot_attention_and_losses():
    weights = torch.softmax(torch.randn(4, 4), -1)
    ax = plot_attention(weights, list("abcd"), annotate=True)
    assert len(ax.texts) == 16
    ax = plot_losses({"a": TrainHistory(losses=[3.0, 2.0, 1.0]), "b": [2.0, 1.0]}, smooth=2)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
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
