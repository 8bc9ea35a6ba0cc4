"""lessons_lib.objectives.next_token: next-token targets, fixed-length windows, the loss, perplexity, the unigram baseline."""

import math
from collections import Counter

import pytest
import torch
import torch.nn.functional as F

from lessons_lib.objectives.masking import IGNORE_INDEX
from lessons_lib.objectives.next_token import (
    document_windows,
    heldout_perplexity,
    linear_cross_entropy,
    lm_batch,
    make_windows,
    next_token_loss,
    unigram_entropy,
    unigram_perplexity,
    windows_from_ids,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer

WORDS = "the cat sat on a mat and dog ran far away".split()


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS])


def test_windows_stay_inside_documents_and_drop_short_tails():
    out = windows_from_ids([list(range(10)), list(range(100, 103)), list(range(200, 204))], 4)
    assert out.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [200, 201, 202, 203]]
    with pytest.raises(ValueError, match="window"):
        windows_from_ids([[1, 2, 3]], 1)
    with pytest.raises(ValueError, match="no window"):
        windows_from_ids([[1, 2]], 4)


def test_make_windows_encodes_documents(tokenizer):
    # A document's sentences run together: "the cat sat" + "on a mat" = 6 ids, two windows of 3.
    out = make_windows([["the cat sat", "on a mat"], ["dog ran"]], tokenizer, 3)
    assert out.tolist() == [tokenizer.encode("the cat sat"), tokenizer.encode("on a mat")]
    assert make_windows([["the cat", "sat on a"]], tokenizer, 4).tolist() == [tokenizer.encode("the cat sat on")]


def test_make_windows_names_a_bad_tokenizer():
    with pytest.raises(TypeError, match="tokenizer"):
        make_windows([["the cat"]], "tok", 2)


def test_lm_targets_are_the_next_token():
    inputs, labels = lm_batch(torch.tensor([[5, 6, 7], [8, 9, 10]]))
    assert inputs.tolist() == [[5, 6, 7], [8, 9, 10]]
    assert labels.tolist() == [[6, 7, IGNORE_INDEX], [9, 10, IGNORE_INDEX]]
    with pytest.raises(ValueError, match="ids"):
        lm_batch(torch.tensor([5, 6, 7]))
    with pytest.raises(ValueError, match="ids"):
        lm_batch([[5, 6, 7]])


def test_unigram_entropy_is_the_entropy_of_the_token_frequencies():
    assert unigram_entropy(torch.tensor([[1, 1, 2, 2]]), 4) == pytest.approx(math.log(2))
    ids = torch.randint(0, 30, (8, 16), generator=torch.Generator().manual_seed(0))
    counts = Counter(ids.flatten().tolist())
    expected = -sum(c / ids.numel() * math.log(c / ids.numel()) for c in counts.values())
    assert unigram_entropy(ids, 30) == pytest.approx(expected)
    assert unigram_entropy(torch.tensor([[3, 3, 3]]), 4) == 0.0  # one token: nothing to guess
    with pytest.raises(ValueError, match="vocab_size"):
        unigram_entropy(ids, 0)


@pytest.mark.parametrize("chunk", [1, 5, 37, 100])
def test_linear_cross_entropy_equals_the_plain_loss_and_its_gradients(chunk):
    torch.manual_seed(0)
    hidden = torch.randn(37, 8, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(50, 8, dtype=torch.float64, requires_grad=True)
    targets = torch.randint(0, 50, (37,))
    fused = linear_cross_entropy(hidden, weight, targets, chunk=chunk)
    plain = F.cross_entropy(hidden @ weight.T, targets)
    # Scaled by 3 on the way back, as a loss weight would be.
    fused_grads = torch.autograd.grad(3 * fused, (hidden, weight))
    plain_grads = torch.autograd.grad(3 * plain, (hidden, weight))
    assert torch.allclose(fused, plain, atol=1e-12)
    assert all(torch.allclose(a, b, atol=1e-12) for a, b in zip(fused_grads, plain_grads, strict=True))


def test_linear_cross_entropy_without_gradients_computes_the_loss_alone(monkeypatch):
    torch.manual_seed(1)
    hidden, weight, targets = torch.randn(6, 4, requires_grad=True), torch.randn(9, 4), torch.randint(0, 9, (6,))
    calls = []
    monkeypatch.setattr(torch, "addmm", lambda *a, **k: calls.append(1))  # the weight-gradient product
    with torch.no_grad():
        loss = linear_cross_entropy(hidden, weight, targets, chunk=2)
    assert not calls and loss.grad_fn is None
    assert torch.allclose(loss, F.cross_entropy(hidden @ weight.T, targets))


def test_linear_cross_entropy_does_the_plain_arithmetic():
    # Three products of (N x H) by (H x V) as the plain loss does, counted by torch's own counter.
    from torch.utils.flop_counter import FlopCounterMode

    hidden, weight = torch.randn(64, 16, requires_grad=True), torch.randn(300, 16, requires_grad=True)
    targets = torch.randint(0, 300, (64,))
    with FlopCounterMode(display=False) as counter:
        linear_cross_entropy(hidden, weight, targets, chunk=16).backward()
    assert counter.get_total_flops() == 3 * 2 * 64 * 16 * 300


def test_linear_cross_entropy_names_bad_arguments():
    hidden, weight = torch.randn(3, 4), torch.randn(5, 4)
    with pytest.raises(ValueError, match="share H"):
        linear_cross_entropy(hidden, torch.randn(5, 3), torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="targets must be N = 3"):
        linear_cross_entropy(hidden, weight, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="targets must lie in"):
        linear_cross_entropy(hidden, weight, torch.tensor([0, 1, 5]))
    with pytest.raises(ValueError, match="chunk"):
        linear_cross_entropy(hidden, weight, torch.tensor([0, 1, 2]), chunk=0)
    with pytest.raises(TypeError, match="hidden"):
        linear_cross_entropy([[1.0]], weight, torch.tensor([0]))


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


def test_next_token_loss_names_bad_logits():
    with pytest.raises(ValueError, match="logits"):
        next_token_loss(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.long))


def test_document_windows_encode_each_document_as_one_text():
    class Spaces:  # a tokenizer that keeps the spaces: one id per character
        vocab_size = 128

        def encode(self, text):
            return [ord(c) for c in text]

    windows = document_windows([["ab", "cd"], ["e"]], Spaces(), 5)
    assert windows.tolist() == [[ord(c) for c in "ab cd"]]  # sentences joined by a space; "e" is too short
    with pytest.raises(TypeError, match="tokenizer"):
        document_windows([["ab"]], "tokenizer", 2)
