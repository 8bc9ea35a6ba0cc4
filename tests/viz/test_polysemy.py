"""lessons_lib.viz.polysemy: the word in a same-sense and an other-sense sentence; move a control, read the output, without a browser."""

import re

import pytest
import torch

from lessons_lib.data.polysemy import SenseExample
from lessons_lib.layers.scalar_mix import ScalarMix
from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig
from lessons_lib.tasks.polysemy import nearest_contexts, sense_bank
from lessons_lib.tasks.representations import cosine_by_layer, word_vectors_by_layer
from lessons_lib.tokenizers import SPECIAL_TOKENS, WordPieceTokenizer
from lessons_lib.viz.polysemy import polysemy_widget, render_word_in_contexts

WORDS = ["the", "river", "bank", "money", "lends", "sat", "by", "we", "a", "<", "b", ">", ".", "steep", "holds"]
EXAMPLES = [("bank", "we sat by the river bank .", "the steep river bank .", "the bank lends money ."),
            ("the", "the river .", "the steep river .", "the money .")]
LABELLED = [SenseExample("bank", "river", "the river bank ."), SenseExample("bank", "river", "a steep bank ."),
            SenseExample("bank", "money", "the bank lends money ."), SenseExample("bank", "money", "a bank holds money ."),
            SenseExample("river", "water", "the river .")]


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    tokenizer = WordPieceTokenizer([*SPECIAL_TOKENS, *WORDS])
    model = ElmoBiLM(ElmoConfig.reference_test(vocab_size=tokenizer.vocab_size)).eval()
    return model, tokenizer, sense_bank(model, tokenizer, LABELLED)


def _text(html):
    return re.sub(r"<[^>]+>", " ", html)


def test_rows_show_same_and_other_sense_cosines_side_by_side(setup):
    model, tokenizer, bank = setup
    word, sentence, same, other = EXAMPLES[0]
    html = render_word_in_contexts(model, tokenizer, sentence, same, other, word, bank, mix=ScalarMix(3))
    to_same = cosine_by_layer(model, tokenizer, sentence, same, "bank")
    to_other = cosine_by_layer(model, tokenizer, sentence, other, "bank")
    assert to_same[0] == pytest.approx(1.0) and to_other[0] == pytest.approx(1.0)  # the token layer ignores context
    for name, s, o in zip(["token layer", "LSTM 1", "LSTM 2"], to_same, to_other, strict=True):
        assert f"<td><b>{name}</b></td><td>{s:.2f}</td><td>{o:.2f}</td>" in html
        assert f"{s - o:+.2f}</td><td>1.00</td>" in html
    apart = [name for name, s, o in zip(["token layer", "LSTM 1", "LSTM 2"], to_same, to_other, strict=True)
             if round(s - o, 2) > 0]
    verdict = f"nearer than the other sense at: {', '.join(apart)}." if apart else "At no layer"
    assert verdict in render_word_in_contexts(model, tokenizer, sentence, same, other, word, bank)  # no mix row
    assert "<b>task mix</b>" in html and html.count("<tr>") == 5
    assert "n/a" in render_word_in_contexts(model, tokenizer, sentence, same, other, word, bank, in_word2vec=False)


def test_neighbours_are_labelled_uses_of_the_word_with_their_sense_and_each_senses_mean(setup):
    model, tokenizer, bank = setup
    word, sentence, same, other = EXAMPLES[0]
    html = render_word_in_contexts(model, tokenizer, sentence, same, other, word, bank, k=2)
    vector = word_vectors_by_layer(model, tokenizer, sentence, "bank")[2]
    found = nearest_contexts(bank, vector, 2, k=10, word="bank")
    assert len(found) == 4 and all(w == "bank" for w, _, _ in found)  # "river"'s use is another word's
    last_row = html.split("<td><b>LSTM 2</b></td>")[1].split("</tr>")[0]
    senses = {e.sentence: e.sense for e in LABELLED}
    for _, context, cosine in found[:2]:  # the two nearest, with their sense and cosine
        assert f"title='{context}'" in last_row and f"{senses[context]} {cosine:.2f}" in last_row
    assert f"title='{found[2][1]}'" not in last_row
    for sense in ("river", "money"):
        cosines = [c for _, s, c in found if senses[s] == sense]
        assert f"{sense} {sum(cosines) / len(cosines):.2f} (2 uses)" in last_row
    html = render_word_in_contexts(model, tokenizer, *EXAMPLES[1][1:], EXAMPLES[1][0], bank)
    assert "no labelled use of this word" in html


def test_every_control_changes_the_output_and_user_text_is_escaped(setup):
    model, tokenizer, bank = setup
    widget = polysemy_widget(model, tokenizer, EXAMPLES, bank, mix=ScalarMix(3), word2vec_words={"bank"})
    assert set(widget.controls) == {"example", "word", "sentence", "same", "other"}
    start = widget.output.value
    assert "cosine to the same sense" in start and "cosine to the other sense" in start
    for name, value in (("sentence", EXAMPLES[0][1] + " a river"), ("same", "a bank . " + EXAMPLES[0][2]),
                        ("other", "a bank . " + EXAMPLES[0][3]), ("word", "river")):
        before = widget.output.value
        widget.controls[name].value = value
        assert widget.output.value != before, name
    assert "does not occur" in widget.output.value  # "river" is not in the other sentence: a message, not a crash
    widget.controls["example"].value = 1
    assert widget.controls["word"].value == "the" and "n/a" in widget.output.value  # "the" not in word2vec here
    assert [widget.controls[n].value for n in ("word", "sentence", "same", "other")] == list(EXAMPLES[1])
    widget.controls["example"].value = 0
    assert widget.output.value == start
    widget.controls["sentence"].value = "<b> bank"
    assert "&lt;b&gt; bank" in widget.output.value and "<b> bank" not in widget.output.value


def test_bad_examples_are_refused(setup):
    model, tokenizer, bank = setup
    with pytest.raises(ValueError, match="examples"):
        polysemy_widget(model, tokenizer, [], bank)
    with pytest.raises(ValueError, match="examples"):
        polysemy_widget(model, tokenizer, [("bank", "one sentence")], bank)
    with pytest.raises(ValueError, match="same-sense sentence, other-sense sentence"):
        polysemy_widget(model, tokenizer, [("bank", "a bank .", "the bank .")], bank)


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
        polysemy_widget(None, tokenizer, ("bank", "a bank.", "the bank.", "my bank."), None)
    with pytest.raises(ValueError, match="sentence has 100,000 characters"):
        render_word_in_contexts(None, tokenizer, "bank " * 20_000, "a bank", "the bank", "bank", None)
    with pytest.raises(ValueError, match="other has 100,000 characters"):
        render_word_in_contexts(None, tokenizer, "a bank", "the bank", "bank " * 20_000, "bank", None)
