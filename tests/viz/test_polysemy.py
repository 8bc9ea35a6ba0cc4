"""lessons_lib.viz.polysemy: the word-in-two-contexts widget; move a control, read the output, without a browser."""

import pytest
import torch

from lessons_lib.layers.scalar_mix import ScalarMix
from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig
from lessons_lib.tasks.polysemy import context_bank
from lessons_lib.tasks.representations import cosine_by_layer
from lessons_lib.tokenizers import SPECIAL_TOKENS, WordPieceTokenizer
from lessons_lib.viz.polysemy import polysemy_widget, render_word_in_contexts

WORDS = ["the", "river", "bank", "money", "lends", "sat", "by", "we", "a", "<", "b", ">", "."]
EXAMPLES = [("bank", "we sat by the river bank .", "the bank lends money ."),
            ("the", "the river .", "the money .")]


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    tokenizer = WordPieceTokenizer([*SPECIAL_TOKENS, *WORDS])
    model = ElmoBiLM(ElmoConfig.reference_test(vocab_size=tokenizer.vocab_size)).eval()
    bank = context_bank(model, tokenizer, ["the river bank .", "the bank lends money ."])
    return model, tokenizer, bank


def test_rows_show_each_layers_cosine_and_word2vec(setup):
    model, tokenizer, bank = setup
    html = render_word_in_contexts(model, tokenizer, EXAMPLES[0][1], EXAMPLES[0][2], "bank", bank, mix=ScalarMix(3))
    cosines = cosine_by_layer(model, tokenizer, EXAMPLES[0][1], EXAMPLES[0][2], "bank")
    assert cosines[0] == pytest.approx(1.0)  # the token layer ignores the context
    for name, cosine in zip(["token layer", "LSTM 1", "LSTM 2"], cosines, strict=True):
        assert f"<td><b>{name}</b></td><td>{cosine:.2f}</td><td>1.00</td>" in html
    assert "<b>task mix</b>" in html and html.count("<tr>") == 5
    assert "n/a" in render_word_in_contexts(model, tokenizer, EXAMPLES[0][1], EXAMPLES[0][2], "bank", bank,
                                            in_word2vec=False)


def test_every_control_changes_the_output_and_user_text_is_escaped(setup):
    model, tokenizer, bank = setup
    widget = polysemy_widget(model, tokenizer, EXAMPLES, bank, mix=ScalarMix(3), word2vec_words={"bank"})
    assert set(widget.controls) == {"example", "word", "first", "second"}
    start = widget.output.value
    assert "cosine of 'bank' 1 vs 2" in start
    for name, value in (("first", EXAMPLES[0][1] + " a river"), ("second", "a bank . " + EXAMPLES[0][2]),
                        ("word", "river")):
        before = widget.output.value
        widget.controls[name].value = value
        assert widget.output.value != before, name
    assert "does not occur" in widget.output.value  # "river" is not in sentence 2: a message, not a crash
    widget.controls["example"].value = 1
    assert widget.controls["word"].value == "the" and "n/a" in widget.output.value  # "the" not in word2vec here
    widget.controls["example"].value = 0
    assert widget.output.value == start
    widget.controls["first"].value = "<b> bank"
    assert "&lt;b&gt; bank" in widget.output.value and "<b> bank" not in widget.output.value


def test_bad_examples_are_refused(setup):
    model, tokenizer, bank = setup
    with pytest.raises(ValueError, match="examples"):
        polysemy_widget(model, tokenizer, [], bank)
    with pytest.raises(ValueError, match="examples"):
        polysemy_widget(model, tokenizer, [("bank", "one sentence")], bank)


def test_bare_strings_and_long_texts_are_refused_by_name():
    import pytest

    from lessons_lib.training import load_pretrained_bert
    from lessons_lib.viz import masking_widget, polysemy_widget, tokenizer_widget, truncation_widget
    from lessons_lib.viz.polysemy import render_word_in_contexts

    tokenizer = load_pretrained_bert()[1]
    with pytest.raises(TypeError, match="examples must be a list of strings"):
        masking_widget(tokenizer, "the cat sat")
    with pytest.raises(TypeError, match="examples must be a list of strings"):
        tokenizer_widget({"ours": tokenizer}, "the cat sat")
    with pytest.raises(TypeError, match="tokens must be a list of strings"):
        truncation_widget("many tokens here")
    with pytest.raises(TypeError, match="examples must be a list of"):
        polysemy_widget(None, tokenizer, ("bank", "a bank.", "the bank."), None)
    with pytest.raises(ValueError, match="first has 100,000 characters"):
        render_word_in_contexts(None, tokenizer, "bank " * 20_000, "a bank", "bank", None)
