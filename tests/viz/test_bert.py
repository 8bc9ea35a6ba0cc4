"""lessons_lib.viz.bert: the three modules, the input rows, embedding parts, masks and attention heads."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lessons_lib.viz.bert import (  # noqa: E402
    plot_attention_heads,
    plot_bert_architecture,
    plot_embedding_parts,
    plot_input_representation,
    plot_masks,
)

TOKENS = ["[CLS]", "a", "[SEP]", "b", "[SEP]"]


def test_architecture_names_the_three_modules():
    fig = plot_bert_architecture(TOKENS, num_layers=4)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "1. embeddings" in texts and "2. bidirectional Transformer encoder\n4 blocks" in texts
    assert "3. task head on [CLS]" in texts and "no decoder" in texts
    plt.close(fig)
    with pytest.raises(ValueError, match="tokens"):
        plot_bert_architecture(["[CLS]"])


def test_input_rows_follow_the_segments():
    fig = plot_input_representation(TOKENS, [0, 0, 0, 1, 1])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("EA") == 3 and texts.count("EB") == 2 and "E4" in texts and "[SEP]" in texts
    plt.close(fig)
    with pytest.raises(ValueError, match="equally long"):
        plot_input_representation(TOKENS, [0, 1])
    with pytest.raises(ValueError, match="segments"):
        plot_input_representation(TOKENS, [0, 0, 0, 2, 1])


def test_embedding_parts_each_get_their_own_colour_scale():
    # A small part beside a large one: on a shared scale the small one would be nearly white.
    parts = {"token": 0.02 * torch.randn(5, 40), "position": 3 * torch.randn(5, 40)}
    fig = plot_embedding_parts(parts, TOKENS, dims=8)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    limits = [float(v[:, :8].abs().max()) for v in parts.values()]
    assert len(images) == 2 and [image.get_clim() for image in images] == [pytest.approx((-x, x)) for x in limits]
    assert images[0].get_array().shape == (5, 8)
    assert sum(ax.get_label() == "<colorbar>" for ax in fig.axes) == 2  # one colour bar per panel
    plt.close(fig)
    with pytest.raises(ValueError, match="parts"):
        plot_embedding_parts({"token": torch.randn(4, 8)}, TOKENS)


def test_a_long_input_is_drawn_in_bands_a_laptop_shows_whole():
    tokens = [f"t{i}" for i in range(28)]
    fig = plot_input_representation(tokens, [0] * 14 + [1] * 14)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert fig.get_figwidth() <= 10 and texts.count("= input") == 3 and "E27" in texts and "t27" in texts
    assert all(t.get_fontsize() >= 7 for t in fig.axes[0].texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="per_row"):
        plot_input_representation(tokens[:4], [0] * 4, per_row=1)


def test_masks_side_by_side_count_what_may_attend():
    padding = torch.tensor([True, True, True, False, False]).expand(5, 5)
    look_ahead = torch.ones(5, 5, dtype=torch.bool).tril()
    fig = plot_masks({"padding": padding, "both": padding & look_ahead}, TOKENS)
    assert [ax.get_title() for ax in fig.axes] == ["padding: 15 of 25", "both: 12 of 25"]
    plt.close(fig)
    with pytest.raises(ValueError, match="masks"):
        plot_masks({"padding": padding[:4, :4]}, TOKENS)


def test_attention_heads_one_panel_per_head():
    weights = torch.rand(3, 5, 5).softmax(-1)
    fig = plot_attention_heads(weights, TOKENS, [0, 2], layer_name="layer 1")
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["layer 1 head 0", "layer 1 head 2"]
    plt.close(fig)
    with pytest.raises(ValueError, match="heads"):
        plot_attention_heads(weights, TOKENS, [3])
    with pytest.raises(ValueError, match="weights"):
        plot_attention_heads(weights[0], TOKENS, [0])
