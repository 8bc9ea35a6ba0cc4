"""lessons_lib.training.elmo_pretraining: both directions' losses and their perplexities."""

import math

import pytest
import torch
import torch.nn.functional as F

from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig
from lessons_lib.tokenizers.elmo_chars import vocabulary_char_ids
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.elmo_pretraining import bilm_loss, bilm_perplexities, direction_losses

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "##s", "s", "on", "mat"]


def _setup(seed=0):
    torch.manual_seed(seed)
    tokenizer = WordPieceTokenizer(VOCAB)
    model = ElmoBiLM(ElmoConfig.reference_test(vocab_size=len(VOCAB)))
    return model, tokenizer, vocabulary_char_ids(tokenizer)


def test_backward_loss_scores_position_t_against_token_t_minus_1():
    model, _, table = _setup()
    ids = torch.tensor([[5, 6, 7, 10, 5, 11], [6, 8, 7, 10, 5, 9]])
    out = model(table[ids])
    forward, backward = direction_losses(out, ids)
    by_hand_forward = sum(F.cross_entropy(out.forward_logits[b, t][None], ids[b, t + 1][None])
                          for b in range(2) for t in range(5)) / 10
    by_hand_backward = sum(F.cross_entropy(out.backward_logits[b, t][None], ids[b, t - 1][None])
                           for b in range(2) for t in range(1, 6)) / 10
    torch.testing.assert_close(forward, by_hand_forward)
    torch.testing.assert_close(backward, by_hand_backward)
    loss, parts = bilm_loss(model, ids, table)
    torch.testing.assert_close(loss, (by_hand_forward + by_hand_backward) / 2)
    assert parts == pytest.approx({"forward": by_hand_forward.item(), "backward": by_hand_backward.item()})


def test_perplexity_of_a_uniform_softmax_is_the_vocabulary_size_and_matches_the_loss():
    model, _, table = _setup()
    windows = torch.randint(5, len(VOCAB), (5, 7))
    with torch.no_grad():
        model.softmax.weight.zero_()
        model.softmax.bias.zero_()
    assert bilm_perplexities(model, windows, table, batch_size=2) == pytest.approx(
        {"forward": len(VOCAB), "backward": len(VOCAB)})
    model, _, table = _setup(1)
    forward, backward = direction_losses(model(table[windows]), windows)
    scores = bilm_perplexities(model, windows, table, batch_size=3)  # batches of 3 and 2, weighted by size
    assert scores["forward"] == pytest.approx(math.exp(forward.item()), rel=1e-5)
    assert scores["backward"] == pytest.approx(math.exp(backward.item()), rel=1e-5)


def test_bad_arguments_are_named():
    model, tokenizer, table = _setup()
    windows = torch.randint(5, len(VOCAB), (2, 4))
    with pytest.raises(ValueError, match="char_table must have vocab_size=12 rows"):
        bilm_perplexities(model, windows, table[:5])
    with pytest.raises(TypeError, match="windows"):
        bilm_perplexities(model, windows.float(), table)
    with pytest.raises(TypeError, match="model"):
        bilm_perplexities(torch.nn.Linear(2, 2), windows, table)
    with pytest.raises(ValueError, match="logits=True"):
        direction_losses(model(table[windows], logits=False), windows)
