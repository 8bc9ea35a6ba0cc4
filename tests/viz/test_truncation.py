"""lessons_lib.viz.truncation: the truncation widget; slide the length, pick a strategy, read what is kept."""

import pytest

from lessons_lib.viz.truncation import render_truncation, truncation_widget


def test_truncation_widget_follows_slider_and_strategy():
    tokens = [f"t{i}" for i in range(1200)]
    widget = truncation_widget(tokens)
    assert "<b>1000</b> tokens" in widget.output.value and "head 256 + tail 254" in widget.output.value
    widget.controls["length"].value = 700
    assert "head 128 + tail 382" in widget.output.value
    widget.controls["strategy"].value = "tail"
    assert "[CLS] t190 " in widget.output.value and "t699 [SEP]" in widget.output.value
    widget.controls["length"].value = 300
    assert "drop <b>0</b>" in widget.output.value
    with pytest.raises(ValueError, match="tokens"):
        truncation_widget(["one"])


def test_render_truncation_shows_the_input_bert_reads():
    html = render_truncation([f"t{i}" for i in range(10)], "head+tail", max_tokens=6, show=2)
    # 10 tokens is more than round(6 * 800 / 510) = 9: head round(6 * 256 / 510) = 3, tail 3.
    assert "<b>10</b> tokens &rarr; keep <b>6</b>, drop <b>4</b> (head 3 + tail 3)" in html
    assert "[CLS] t0 t1" in html and "[4 dropped]" in html and "t8 t9 [SEP]" in html
    assert "(8 positions of 512)" in html
    short = render_truncation(["a", "b", "c"], "head", max_tokens=6)
    assert "[CLS] a b c [SEP]" in short and "drop <b>0</b>" in short


def test_long_kept_text_is_escaped():
    html = render_truncation(["<b>"] * 40, "head", max_tokens=30, show=5)
    assert "<b><b>" not in html and "&lt;b&gt;" in html


def test_short_kept_text_is_escaped():
    html = render_truncation(["<i>", "x"], "head", max_tokens=6)
    assert "<i>" not in html and "&lt;i&gt;" in html
