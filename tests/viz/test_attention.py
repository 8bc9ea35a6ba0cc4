"""lessons_lib.viz.attention: the attention-mask widget; its masks, its grids, and every control."""

import pytest
import torch

from lessons_lib.data.encoding import padded_batch
from lessons_lib.models.bert import BertConfig, BertModel
from lessons_lib.models.gpt import GPT, GPTConfig
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.viz.attention import (
    LEGEND_WEIGHTS,
    MASK_KINDS,
    MAX_SENTENCE_TOKENS,
    _shade,
    attention_mask_widget,
    batch_masks,
    render_attention_grid,
    render_attention_masks,
    render_mask_grid,
)

WORDS = "the cat sat on a mat and dog ran far away <b>".split()
SENTENCES = ["the cat sat on a mat", "dog ran", "the dog ran far away"]


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS], lowercase=False)


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=tokenizer.vocab_size, max_len=32, hidden_size=16, num_layers=2, num_heads=2,
                         intermediate_size=32)).transformer.eval()


@pytest.fixture(scope="module")
def bert(tokenizer):
    torch.manual_seed(1)
    bert = BertModel(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_layers=2, num_heads=2,
                                intermediate_size=32, max_position_embeddings=32)).eval()
    with torch.no_grad():
        for weight in bert.parameters():  # large weights: peaked attention, unlike the GPT's near-even rows
            weight.normal_(0, 1.0)
    return bert


def test_padded_batch_and_its_three_masks(tokenizer):
    ids, attention, tokens = padded_batch(tokenizer, SENTENCES, max_tokens=MAX_SENTENCE_TOKENS)
    assert ids.shape == (3, 6) and attention.sum(1).tolist() == [6, 2, 5]
    assert tokens[1] == ["dog", "ran", "[PAD]", "[PAD]", "[PAD]", "[PAD]"]
    masks = batch_masks(attention)
    assert set(masks) == set(MASK_KINDS)
    # Padding: every query of sentence 2 sees keys 0 and 1 only.
    assert masks["padding"][1].tolist() == [[True, True, False, False, False, False]] * 6
    # Look-ahead: the lower triangle, the same for every sentence.
    assert torch.equal(masks["look-ahead"][0], torch.ones(6, 6, dtype=torch.bool).tril())
    # Both: a key is seen only if it is real and not in the future.
    assert masks["both"][2].tolist()[4] == [True] * 5 + [False]
    assert masks["both"][2].tolist()[1] == [True, True, False, False, False, False]
    long = padded_batch(tokenizer, ["the cat " * 20], max_tokens=MAX_SENTENCE_TOKENS)[0]
    assert long.shape[1] == MAX_SENTENCE_TOKENS


def test_grids_show_masked_cells_empty_and_escape_tokens():
    mask = torch.ones(3, 3, dtype=torch.bool).tril()
    html = render_mask_grid(mask, ["a", "<b>", "c"], "look-ahead")
    assert html.count("background:#2f5597") == 6 and html.count("repeating-linear-gradient") == 3
    assert "&lt;b&gt;" in html and "<b>" not in html.replace("<b>look-ahead</b>", "")
    weights = torch.tensor([[1.0, 0, 0], [0.25, 0.75, 0], [0.2, 0.3, 0.5]])
    heat = render_attention_grid(weights, mask, ["a", "b", "c"], query=2, title="t")
    assert heat.count("title='masked'") == 3 and "title='0.750'" in heat
    assert heat.count("outline:2px solid #c00") == 1


def test_render_uses_the_chosen_mask(model, tokenizer, bert):
    both = render_attention_masks(model, tokenizer, SENTENCES, sentence=0, mask="both", query=2, bert=bert)
    padding = render_attention_masks(model, tokenizer, SENTENCES, sentence=0, mask="padding", query=2, bert=bert)
    assert "it sees 3 of 6 positions" in both and "it sees 6 of 6 positions" in padding
    short = render_attention_masks(model, tokenizer, SENTENCES, sentence=1, mask="padding", query=4, bert=bert)
    assert "it sees 2 of 6 positions" in short  # a padded query still sees the two real tokens only
    # Under the look-ahead mask alone, padding is seen too (nothing hides it).
    assert "it sees 5 of 6" in render_attention_masks(model, tokenizer, SENTENCES, sentence=1, mask="look-ahead",
                                                       query=4)


def test_the_padding_mask_shows_berts_own_attention_never_a_gpt_without_its_mask(model, tokenizer, bert):
    ids, attention, _ = padded_batch(tokenizer, SENTENCES)
    with torch.no_grad():
        theirs = bert(ids, None, attention, output_attentions=True).attentions[1][0, 1]  # layer 1, sentence 0, head 1
        gpt_unmasked = model(ids, attention, causal=False, output_attentions=True).attentions[1][0, 1]
    shown = render_attention_masks(model, tokenizer, SENTENCES, sentence=0, mask="padding", layer=1, head=1,
                                   query=0, bert=bert)
    assert "trained BERT, under its padding mask" in shown
    row = [f"title='{w:.3f}'" for w in theirs[0].tolist()]
    assert all(cell in shown for cell in row)
    assert not all(f"title='{w:.3f}'" in shown for w in gpt_unmasked[0].tolist())
    without = render_attention_masks(model, tokenizer, SENTENCES, sentence=0, mask="padding", query=0)
    assert "Pass <code>bert=</code>" in without and "title='" not in without  # no weights: nothing pretends


def test_the_colour_key_uses_the_cells_shading():
    weights = torch.tensor([[1.0, 0.0], [0.05, 0.95]])
    heat = render_attention_grid(weights, torch.ones(2, 2, dtype=torch.bool), ["a", "b"], query=0, title="t")
    assert _shade(0.05) in heat and _shade(0.05) == "background:rgba(192,0,0,0.224)"
    key = render_attention_masks.__globals__["_colour_key"]()
    assert all(_shade(w) in key for w in LEGEND_WEIGHTS) and "square root" in key


def test_every_control_changes_the_picture(model, tokenizer, bert):
    widget = attention_mask_widget(model, tokenizer, SENTENCES[:2], bert=bert)
    assert widget.controls["sentence"].value == 1  # the shortest sentence first: it has the most padding
    widget.controls["sentences"].value += " | the cat ran"  # a third sentence: the chosen one stays chosen
    assert widget.controls["sentence"].value == 1 and len(widget.controls["sentence"].options) == 3
    moves = {"sentences": widget.controls["sentences"].value + " far away", "sentence": 0, "mask": "padding",
             "layer": 1, "head": 1, "query": 1}
    assert set(moves) == set(widget.controls)
    for name, value in moves.items():
        before = widget.output.value
        widget.controls[name].value = value
        assert widget.output.value != before, name
    assert "&#9654; the cat sat" in widget.output.value


def test_bad_arguments_are_named(model, tokenizer):
    with pytest.raises(ValueError, match="mask must be one of"):
        render_attention_masks(model, tokenizer, SENTENCES, mask="causal")
    with pytest.raises(ValueError, match="layer"):
        render_attention_masks(model, tokenizer, SENTENCES, layer=2)
    with pytest.raises(ValueError, match="sentences must hold 2 to 4"):
        attention_mask_widget(model, tokenizer, SENTENCES[:1])
    with pytest.raises(TypeError, match="model must be a Decoder"):
        attention_mask_widget(None, tokenizer, SENTENCES)
    with pytest.raises(TypeError, match="sentences must be a list of strings"):
        attention_mask_widget(model, tokenizer, "the cat sat | dog ran")
    with pytest.raises(TypeError, match="bert must be a BertModel"):
        attention_mask_widget(model, tokenizer, SENTENCES, bert=model)
    with pytest.raises(ValueError, match="query"):
        render_attention_masks(model, tokenizer, SENTENCES, query=6)  # refused, not moved to the last position
