"""lessons_lib.tasks.fill_mask: the most probable tokens for the first [MASK] of a sentence."""

import pytest
import torch

from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.tasks.fill_mask import fill_mask
from lessons_lib.tokenizers import SPECIAL_TOKENS, WordPieceTokenizer

WORDS = ["the", "cat", "dog", "sat", "on", "a", "mat", "ran", "far", "away"]


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer([*SPECIAL_TOKENS, *WORDS])


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_layers=1, num_heads=2,
                        intermediate_size=64, max_position_embeddings=32)
    model = BertForPreTraining(config)
    with torch.no_grad():  # larger weights than BERT's init, so that the guesses differ clearly
        for weight in model.parameters():
            if weight.dim() == 2:
                weight.normal_(std=0.5)
    return model.eval()


def _probabilities_at(model, tokenizer, text, position):
    ids = torch.tensor([[tokenizer.cls_id, *tokenizer.encode(text), tokenizer.sep_id]])
    with torch.no_grad():
        return model(ids).mlm_logits[0, position].softmax(-1)  # every position scored, then one read


def test_top_k_are_the_largest_probabilities_of_the_full_model(model, tokenizer):
    guesses = fill_mask(model, tokenizer, "the cat [MASK] on a mat", k=4)
    probs = _probabilities_at(model, tokenizer, "the cat [MASK] on a mat", 3)  # [CLS] the cat [MASK]
    top = probs.topk(4)
    assert [token for token, _ in guesses] == tokenizer.convert_ids_to_tokens(top.indices.tolist())
    assert [p for _, p in guesses] == pytest.approx(top.values.tolist(), abs=1e-5)
    assert [p for _, p in guesses] == sorted((p for _, p in guesses), reverse=True)


def test_only_the_first_mask_is_filled(model, tokenizer):
    guesses = fill_mask(model, tokenizer, "[MASK] cat sat on [MASK] mat", k=len(tokenizer))
    probs = _probabilities_at(model, tokenizer, "[MASK] cat sat on [MASK] mat", 1)
    assert dict(guesses) == pytest.approx(dict(zip(tokenizer.convert_ids_to_tokens(range(len(tokenizer))),
                                                   probs.tolist(), strict=True)), abs=1e-5)
    assert sum(p for _, p in guesses) == pytest.approx(1.0)  # k = the whole vocabulary


def test_dropout_is_off_while_guessing(model, tokenizer):
    model.train()
    first = fill_mask(model, tokenizer, "the [MASK] ran far away")
    second = fill_mask(model, tokenizer, "the [MASK] ran far away")
    assert first == second and len(first) == 5
    model.eval()


def test_bad_input(model, tokenizer):
    with pytest.raises(ValueError, match=r"text must contain \[MASK\]"):
        fill_mask(model, tokenizer, "the cat sat")
    with pytest.raises(TypeError, match="text"):
        fill_mask(model, tokenizer, 3)
    with pytest.raises(TypeError, match="model"):
        fill_mask(model.bert, tokenizer, "the [MASK] sat")
    with pytest.raises(ValueError, match="k must be an int in"):
        fill_mask(model, tokenizer, "the [MASK] sat", k=0)
