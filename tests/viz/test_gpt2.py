"""lessons_lib.viz.gpt2: the post-LN / pre-LN block picture and the cache-speed plot."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lessons_lib.viz.gpt2 import plot_block_orders, plot_cache_speed  # noqa: E402


def _labels(ax):
    return [t.get_text() for t in ax.texts if t.get_text()]  # arrows are empty annotations


def test_the_two_blocks_put_layernorm_before_and_after_the_sublayers():
    fig = plot_block_orders()
    post, pre = (ax for ax in fig.axes)
    post_steps, pre_steps = _labels(post)[:6], _labels(pre)[:6]  # bottom to top
    assert post_steps == ["masked self-attention", "add", "LayerNorm", "MLP", "add", "LayerNorm"]
    assert pre_steps == ["LayerNorm", "masked self-attention", "add", "LayerNorm", "MLP", "add"]
    assert len(post.lines) == len(pre.lines) == 2  # one residual path around each sub-block
    plt.close(fig)


def test_cache_speed_draws_one_line_per_series_in_order_of_length():
    ax = plot_cache_speed({"with cache": {200: 800.0, 50: 900.0}, "without": {50: 400.0, 200: 100.0}})
    (with_cache, without) = ax.lines
    assert list(with_cache.get_xdata()) == [50, 200] and list(with_cache.get_ydata()) == [900.0, 800.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["with cache", "without"]
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="rates"):
        plot_cache_speed({})
    with pytest.raises(ValueError, match="empty"):
        plot_cache_speed({"with cache": {}})
