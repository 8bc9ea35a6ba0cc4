"""lessons_lib.viz.html: token chips, the wiring of controls to an output, run strips and probability bars."""

import re

import ipywidgets as widgets

from lessons_lib.viz.html import LEGEND_STYLE, chip, probability_bar, run_strip, wired


def test_chip_escapes_text_and_adds_subtitle_and_tooltip():
    html = chip("<b>&", "#abcdef", subtitle="<i>", title="it's")
    assert "<b>" not in html and "&lt;b&gt;&amp;" in html
    assert "background:#abcdef" in html
    assert "&lt;i&gt;" in html and "<br>" in html
    assert "title='it&#x27;s'" in html  # the quote cannot end the attribute early
    assert "<br>" not in chip("a", "#fff") and "title=" not in chip("a", "#fff")
    assert "title='tip'" in chip("a", "#fff", title="tip")


def test_wired_draws_once_then_on_every_watched_change():
    calls = []
    slider, box = widgets.IntSlider(value=1), widgets.Text(value="a")
    output = widgets.HTML()

    def redraw(_change=None):
        calls.append((slider.value, box.value))
        output.value = f"{slider.value}{box.value}"

    container = wired([slider, box], {"n": slider, "s": box}, output, redraw, watch=["n"])
    assert calls == [(1, "a")] and output.value == "1a"  # drawn once at once
    slider.value = 2
    assert output.value == "2a"
    box.value = "b"  # not watched: no redraw
    assert output.value == "2a" and len(calls) == 2
    assert container.controls == {"n": slider, "s": box} and container.output is output
    assert list(container.children) == [slider, box, output]
    everything = wired([], {"s": box}, widgets.HTML(), redraw)  # every control by default
    box.value = "c"
    assert calls[-1] == (2, "c") and everything.output is not output


def test_run_strip_has_one_slice_per_run_with_proportional_widths():
    html = run_strip([True] * 3 + [False] * 6 + [True] * 3, width=120)
    slices = re.findall(r"title='(\d+) tokens (kept|dropped)'.*?width:(\d+)px;background:(#\w+)", html)
    assert slices == [("3", "kept", "30", "#70ad47"), ("6", "dropped", "60", "#d9d9d9"),
                      ("3", "kept", "30", "#70ad47")]
    assert run_strip([]).count("title=") == 0
    assert "width:1px" in run_strip([True] + [False] * 999, width=100)  # a run never vanishes


def test_probability_bar_fills_to_p_and_turns_green_at_one_half():
    assert "width:40px;height:12px;background:#70ad47" in probability_bar(0.5, width=80)
    assert "width:20px;height:12px;background:#a6a6a6" in probability_bar(0.25, width=80)
    assert "width:160px;height:12px;background:#eee" in probability_bar(0.9)
    assert "color:#555" in LEGEND_STYLE


def test_a_long_text_is_cut_to_the_stated_limit_and_user_text_is_escaped():
    from lessons_lib import load_pretrained_bert
    from lessons_lib.viz.html import MAX_VIEW_CHARS, clip_text, text_box
    from lessons_lib.viz.masking import render_masking
    from lessons_lib.viz.tokens import render_tokens

    _, tokenizer, _ = load_pretrained_bert()
    long_text = "<b>bold</b> " * 10_000  # 120,000 characters of markup
    for render in (lambda t: render_tokens(tokenizer, t), lambda t: render_masking(tokenizer, t)):
        view = render(long_text)
        assert f"showing the first {MAX_VIEW_CHARS:,} of {len(long_text):,} characters" in view
        # As large as the view of the first MAX_VIEW_CHARS alone, however long the paste.
        assert len(view) <= len(render(long_text[:MAX_VIEW_CHARS])) + 200
        assert "<b>bold</b>" not in view  # shown as text, never rendered as markup
    assert clip_text("short") == ("short", "")
    box = text_box("hello")
    assert box.continuous_update is False  # updates on Enter or leaving the box, not every keystroke
