"""lessons_lib.viz.nsp: the next-sentence widget; move a control, read the output, without a browser."""

import re

import pytest
import torch

from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.tasks.nsp_scoring import candidate_next_sentences, is_next_probability
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.viz.nsp import nsp_widget, render_nsp_candidates

# The toy documents fill fewer tokens than asked for: the library says so, and that is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:vocab_size=.* is more than these texts can fill:UserWarning")

DOCUMENTS = [
    ["the cat sat on the mat .", "it purred all day .", "then it slept .", "the dog barked ."],
    ["rain fell on the town .", "the river rose fast ."],
    ["markets opened lower today .", "shares in banks fell .", "the dollar was steady .",
     "gold rose a little .", "traders were calm ."],
]


@pytest.fixture(scope="module")
def model_and_tokenizer():
    tokenizer = WordPieceTokenizer.train([s for doc in DOCUMENTS for s in doc], 120, show_progress=False)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_layers=1, num_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    return BertForPreTraining(config).eval(), tokenizer


def _rows(html: str) -> int:
    return html.count("<tr>") - 1  # minus the header row


def test_nsp_widget_follows_the_sentence_slider_and_the_draw(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    widget = nsp_widget(model, tokenizer, DOCUMENTS, n_other=3)
    first = widget.output.value
    assert "the cat sat on the mat ." in first and "it purred all day ." in first  # A and its next
    assert _rows(first) == 5  # true next, one from the same document, three from other documents
    assert len(re.findall(r"\d+% <span", first)) == 5 and first.count("model's pick") == 1
    # The percentages are the model's P(IsNext) of each candidate, in the candidates' order.
    candidates = candidate_next_sentences(DOCUMENTS, 0, 0, n_other=3, seed=0)
    p = is_next_probability(model, tokenizer, [(DOCUMENTS[0][0], b) for _, b in candidates])
    assert re.findall(r"(\d+)% <span", first) == [f"{q:.0%}"[:-1] for q in p.tolist()]

    widget.controls["sentence"].value = 3  # the 4th sentence with a successor: document 1, sentence 1
    moved = widget.output.value
    assert moved != first and "rain fell on the town ." in moved and "the river rose fast ." in moved
    assert _rows(moved) == 4  # a two-sentence document has no same-document candidate
    assert "document 1, sentence 1 of 2" in moved

    widget.controls["draw"].value = 7  # another random draw: same A and true next, other candidates
    redrawn = widget.output.value
    assert "rain fell on the town ." in redrawn and "the river rose fast ." in redrawn
    assert redrawn != moved
    assert widget.controls["sentence"].max == 3 + 1 + 4 - 1  # one slot per sentence with a successor


def test_render_nsp_candidates_marks_calls_and_escapes():
    html = render_nsp_candidates("A <b>bold</b> start.", [
        ("true next", "right next", 0.9),  # right: IsNext
        ("other document", "far away", 0.7),  # wrong: called IsNext
        ("same document", "close by", 0.2),  # right: NotNext
    ])
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold" in html
    assert html.count("&#10003;</span>") == 2 and html.count("&#10007;</span>") == 1
    assert html.index("model's pick") < html.index("far away")  # the 90 % row is the pick
    assert "90%" in html and "70%" in html and "20%" in html


def test_bad_input(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    with pytest.raises(ValueError, match="documents"):
        nsp_widget(model, tokenizer, DOCUMENTS[:1])
    with pytest.raises(ValueError, match="documents"):
        nsp_widget(model, tokenizer, [["one"], ["two"]])
    with pytest.raises(TypeError, match="model"):
        nsp_widget(model.bert, tokenizer, DOCUMENTS)
    with pytest.raises(ValueError, match="candidates"):
        render_nsp_candidates("a", [])
    with pytest.raises(TypeError, match="sentence_a"):
        render_nsp_candidates(3, [("true next", "b", 0.5)])
