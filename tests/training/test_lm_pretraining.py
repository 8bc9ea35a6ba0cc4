"""Language-model pre-training data and loss: windows, next-token loss, perplexity."""

import math

import pytest
import torch
import torch.nn.functional as F

from lessons_lib.training.lm_pretraining import (
    WindowStream,
    heldout_perplexity,
    next_token_loss,
    unigram_perplexity,
)


def test_stream_visits_every_window_once_per_epoch_and_resumes_anywhere():
    windows = torch.arange(40).view(10, 4)  # 10 windows, each identified by its first token
    stream = WindowStream(windows, batch_size=3, seed=5)
    assert stream.steps_per_epoch == 3
    epoch0 = torch.cat([stream.batch(s) for s in range(3)])[:, 0].tolist()
    assert len(set(epoch0)) == 9 and set(epoch0) <= set(range(0, 40, 4))  # no window twice in an epoch
    epoch1 = torch.cat([stream.batch(s) for s in range(3, 6)])[:, 0].tolist()
    assert epoch1 != epoch0  # a new order each epoch
    resumed = stream.batches(4)
    assert torch.equal(next(resumed), stream.batch(4)) and torch.equal(next(resumed), stream.batch(5))
    assert not torch.equal(WindowStream(windows, batch_size=3, seed=6).batch(0), stream.batch(0))


def test_next_token_loss_scores_position_t_against_token_t_plus_1():
    torch.manual_seed(0)
    ids = torch.randint(0, 7, (2, 5))
    logits = torch.randn(2, 5, 7)
    by_hand = sum(F.cross_entropy(logits[b, t][None], ids[b, t + 1][None]) for b in range(2) for t in range(4)) / 8
    torch.testing.assert_close(next_token_loss(logits, ids), by_hand)
    # A model that puts all its mass on the right next token has (almost) no loss.
    perfect = F.one_hot(torch.roll(ids, -1, dims=1), 7).float() * 50
    assert next_token_loss(perfect, ids) < 1e-6
    # The last position has no next token: its scores get no gradient.
    logits.requires_grad_(True)
    next_token_loss(logits, ids).backward()
    assert torch.all(logits.grad[:, -1] == 0) and torch.all(logits.grad[:, :-1].abs().sum(-1) > 0)


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    windows = torch.randint(0, 11, (6, 9))
    ppl = heldout_perplexity(lambda ids: torch.zeros(*ids.shape, 11), windows, batch_size=4)
    assert ppl == pytest.approx(11.0)


def test_unigram_perplexity_matches_a_hand_count():
    train = torch.tensor([[0, 0, 0, 1]])
    heldout = torch.tensor([[2, 0, 1]])  # scored tokens: 0 and 1
    p = torch.tensor([4.0, 2.0, 1.0]) / 7  # counts + 1
    expected = math.exp(-(math.log(p[0]) + math.log(p[1])) / 2)
    assert unigram_perplexity(train, heldout, 3) == pytest.approx(expected)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="batch_size"):
        WindowStream(torch.zeros(4, 3, dtype=torch.long), batch_size=5)
    with pytest.raises(TypeError, match="windows"):
        WindowStream([[1, 2]], batch_size=1)
    with pytest.raises(ValueError, match="logits"):
        next_token_loss(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.long))
