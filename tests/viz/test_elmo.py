"""lessons_lib.viz.elmo: the architecture, the one-way maps, the sense projection, the layer shares."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lessons_lib.viz.elmo import (  # noqa: E402
    _project,
    plot_direction_sensitivity,
    plot_elmo_architecture,
    plot_layer_shares,
    plot_sense_projection,
)


def test_architecture_has_one_panel_per_direction():
    fig = plot_elmo_architecture(["a", "b", "c"])
    assert [ax.get_title() for ax in fig.axes] == ["forward LM: reads left to right", "backward LM: reads right to left"]
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "softmax\nnext: 'b'" in texts and "softmax\nprevious: 'a'" in [t.get_text() for t in fig.axes[1].texts]
    plt.close(fig)
    with pytest.raises(ValueError, match="words"):
        plot_elmo_architecture(["a"])


def test_direction_maps_count_what_moves():
    forward = torch.tril(torch.ones(3, 3, dtype=torch.bool))
    fig = plot_direction_sensitivity({"forward": forward, "backward": forward.T}, ["a", "b", "c"])
    assert [ax.get_title() for ax in fig.axes] == ["forward: 6 of 9 move", "backward: 6 of 9 move"]
    plt.close(fig)
    with pytest.raises(ValueError, match="maps"):
        plot_direction_sensitivity({"forward": forward}, ["a", "b"])


def test_projection_keeps_identical_vectors_together_and_spreads_the_rest():
    assert (_project(torch.ones(4, 3)) == 0).all()
    points = _project(torch.tensor([[0.0, 0.0, 1.0], [0.0, 0.0, -1.0], [5.0, 0.0, 0.0], [-5.0, 0.0, 0.0]]))
    assert points.shape == (4, 2) and abs(points[2, 0] - points[3, 0]) == pytest.approx(10.0)
    fig = plot_sense_projection({"token layer": torch.ones(4, 3), "LSTM 2": torch.randn(4, 3)}, ["a", "a", "b", "b"],
                                word="bank")
    assert [ax.get_title() for ax in fig.axes] == ["token layer", "LSTM 2"]
    plt.close(fig)
    with pytest.raises(ValueError, match="rows"):
        plot_sense_projection({"x": torch.ones(3, 2)}, ["a", "b"])


def test_layer_shares_bars_show_the_mean_over_seeds():
    ax = plot_layer_shares(torch.tensor([[0.2, 0.3, 0.5], [0.4, 0.3, 0.3]]), ["token", "LSTM 1", "LSTM 2"])
    assert [round(p.get_height(), 2) for p in ax.patches] == [0.3, 0.3, 0.4]
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="layer_names"):
        plot_layer_shares(torch.ones(3), ["a"])
