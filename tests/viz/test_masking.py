"""lessons_lib.viz.masking: the masking widget; move a control, read the HTML it draws."""

import pytest

from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.viz.masking import masking_widget, render_masking

WORDS = "the cat sat on a mat and dog ran far away".split()


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS])


def boxes(html: str) -> int:
    return html.count("display:inline-block") - 5  # minus the legend's five boxes


def test_every_token_is_masked_when_all_rates_say_so(tokenizer):
    html = render_masking(tokenizer, "the cat sat on a mat", mask_prob=1.0, mask_frac=1.0, random_frac=0.0)
    assert "<b>6</b> of 6 ordinary tokens selected" in html and "<b>6</b> [MASK]" in html
    assert html.count(">[MASK]<br>") == 6 and "cat (6)" in html  # label: original token and its id
    assert boxes(html) == 8  # [CLS] + 6 tokens + [SEP]


@pytest.mark.parametrize(("mask_frac", "random_frac", "colour"),
                         [(1.0, 0.0, "#f4b183"), (0.0, 1.0, "#ff8f8f"), (0.0, 0.0, "#ffe699")])
def test_each_outcome_has_its_colour(tokenizer, mask_frac, random_frac, colour):
    html = render_masking(tokenizer, "the cat sat", mask_prob=1.0, mask_frac=mask_frac, random_frac=random_frac)
    assert html.count(f"background:{colour}") == 3 + 1  # three tokens, and the legend's box
    html = render_masking(tokenizer, "the cat sat", mask_prob=0.0)
    assert html.count(f"background:{colour}") == 1  # nothing selected: the legend alone


def test_nothing_selected_gives_only_minus_100_labels(tokenizer):
    html = render_masking(tokenizer, "the cat sat", mask_prob=0.0)
    assert "<b>0</b> of 3" in html and html.count(">-100</span>") == 5


def test_widget_follows_sliders_text_and_picker(tokenizer):
    widget = masking_widget(tokenizer, ["the cat sat on a mat", "dog ran far away"])
    start = widget.output.value
    widget.controls["mask_prob"].value = 1.0
    assert "<b>6</b> of 6" in widget.output.value and widget.output.value != start
    widget.controls["mask_frac"].value = 0.0
    widget.controls["random_frac"].value = 0.0
    assert "<b>6</b> unchanged" in widget.output.value
    widget.controls["random_frac"].value = 1.0
    assert "<b>6</b> random" in widget.output.value
    widget.controls["mask_frac"].value = 0.5  # 0.5 + 1.0 > 1: explained, not an exception
    assert "more than 1" in widget.output.value
    widget.controls["random_frac"].value = 0.0
    widget.controls["mask_prob"].value = 0.5  # now the seed decides which tokens are picked
    picks = {}
    for seed in range(6):
        widget.controls["seed"].value = seed
        picks[seed] = widget.output.value
    assert len(set(picks.values())) > 1  # another seed, another choice of tokens
    widget.controls["seed"].value = 2
    assert widget.output.value == picks[2]  # the same seed, the same choice
    widget.controls["mask_prob"].value = 1.0
    before = widget.output.value
    widget.controls["example"].value = "dog ran far away"
    assert widget.controls["text"].value == "dog ran far away" and "<b>4</b> of 4" in widget.output.value
    assert widget.output.value != before


def test_bad_input(tokenizer):
    with pytest.raises(TypeError, match="tokenizer"):
        masking_widget("not a tokenizer", ["x"])
    with pytest.raises(ValueError, match="examples"):
        masking_widget(tokenizer, [])
    with pytest.raises(TypeError, match="text"):
        render_masking(tokenizer, 3)
    assert "[UNK]" in render_masking(tokenizer, "<b>", mask_prob=1.0)  # unknown pieces are special: kept
