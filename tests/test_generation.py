"""lessons_lib.generation: top-k and top-p keep what they promise, temperature, seeds, and generate's checks."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.generation import (
    apply_temperature,
    choose_next,
    generate,
    greedy,
    top_k_filter,
    top_p_filter,
)
from lessons_lib.models.gpt import GPT, GPTConfig
from lessons_lib.models.gpt2 import GPT2, GPT2Config

GPT2_CONFIG = GPT2Config(vocab_size=50, max_len=32, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=64)
GPT_CONFIG = GPTConfig(vocab_size=50, max_len=32, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=64)

# Scores with ties now and then: whole numbers drawn from a small range.
scores = st.lists(st.integers(-6, 6), min_size=1, max_size=30).map(lambda xs: torch.tensor(xs, dtype=torch.float))


def _model(seed=0, cls=GPT2, config=GPT2_CONFIG):
    torch.manual_seed(seed)
    model = cls(config).eval()
    with torch.no_grad():  # larger weights than the initial ones: varied, confident next tokens
        for p in model.parameters():
            if p.dim() > 1:
                p.mul_(8.0)
    return model


@settings(max_examples=100, deadline=None)
@given(logits=scores, k=st.integers(1, 35))
def test_top_k_keeps_exactly_the_scores_at_least_the_kth_best(logits, k):
    kept = top_k_filter(logits, k) > float("-inf")
    kth_best = logits.sort(descending=True).values[min(k, len(logits)) - 1]
    assert torch.equal(kept, logits >= kth_best)  # nothing outside the k best, ties with the k-th kept
    assert kept.sum() >= min(k, len(logits))
    assert kept[logits.argmax()]
    torch.testing.assert_close(top_k_filter(logits, k)[kept], logits[kept])  # kept scores unchanged


@settings(max_examples=100, deadline=None)
@given(logits=scores, p=st.floats(0.01, 1.0))
def test_top_p_keeps_the_smallest_likely_set_that_reaches_p(logits, p):
    filtered = top_p_filter(logits, p)
    kept = filtered > float("-inf")
    probs = logits.double().softmax(-1)
    assert kept[logits.argmax()]  # the most likely token always stays
    assert probs[kept].sum() >= p - 1e-9  # the kept mass reaches p
    lowest = logits[kept].min()
    # Kept is "every token at least as likely as the lowest kept one"; without that lowest level the mass
    # falls short of p, so no smaller set of most likely tokens reaches p.
    assert torch.equal(kept, logits >= lowest)
    assert probs[logits > lowest].sum() < p + 1e-9
    torch.testing.assert_close(filtered[kept], logits[kept])


def test_top_p_cuts_where_the_mass_reaches_p():
    logits = torch.tensor([0.5, 0.3, 0.15, 0.05]).log()
    assert (top_p_filter(logits, 0.8) > float("-inf")).tolist() == [True, True, False, False]  # 0.5 + 0.3 reaches 0.8
    assert (top_p_filter(logits, 0.81) > float("-inf")).tolist() == [True, True, True, False]
    assert (top_p_filter(logits, 0.1) > float("-inf")).tolist() == [True, False, False, False]
    assert torch.equal(top_p_filter(logits, 1.0), logits)
    batch = torch.stack([logits, logits.flip(0)])  # each row cut on its own
    assert (top_p_filter(batch, 0.8) > float("-inf")).sum(-1).tolist() == [2, 2]


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**16), batch=st.integers(1, 4))
def test_sampling_at_temperature_near_zero_is_greedy(seed, batch):
    # Distinct scores at least 1 apart: at temperature 1e-3 the best outweighs the rest by e^1000.
    logits = torch.stack([torch.randperm(20, generator=torch.Generator().manual_seed(seed + i)).float()
                          for i in range(batch)])
    generator = torch.Generator().manual_seed(seed)
    sampled = choose_next(logits, do_sample=True, temperature=1e-3, generator=generator)
    assert torch.equal(sampled, greedy(logits))


def test_temperature_sharpens_and_flattens():
    logits = torch.tensor([[2.0, 1.0, 0.0]])
    cold, warm = apply_temperature(logits, 0.5).softmax(-1), apply_temperature(logits, 2.0).softmax(-1)
    assert cold[0, 0] > logits.softmax(-1)[0, 0] > warm[0, 0]
    torch.testing.assert_close(apply_temperature(logits, 2.0), logits / 2)


def test_same_seed_same_tokens_and_greedy_ignores_the_generator():
    model = _model()
    ids = torch.tensor([[1, 2, 3], [4, 5, 6]])

    def sample(seed):
        return generate(model, ids, 12, do_sample=True, top_k=20, top_p=0.9, temperature=1.5,
                        generator=torch.Generator().manual_seed(seed))

    assert torch.equal(sample(7), sample(7))
    assert not torch.equal(sample(7), sample(8))  # a different seed draws differently: the seed matters
    generator = torch.Generator().manual_seed(3)
    state = generator.get_state()
    assert torch.equal(generate(model, ids, 12, generator=generator), generate(model, ids, 12))
    assert torch.equal(generator.get_state(), state)  # greedy did not draw from it


def test_cached_and_uncached_sampling_agree_and_gpt_works_with_and_without_a_cache():
    model = _model(1)
    ids = torch.tensor([[7, 8, 9, 10]])
    cached = generate(model, ids, 20, do_sample=True, generator=torch.Generator().manual_seed(0))
    plain = generate(model, ids, 20, do_sample=True, generator=torch.Generator().manual_seed(0), use_cache=False)
    assert torch.equal(cached, plain) and cached.shape == (1, 24) and torch.equal(cached[:, :4], ids)
    gpt = _model(2, GPT, GPT_CONFIG)
    out = generate(gpt, ids, 5, use_cache=False)
    assert torch.equal(out, generate(gpt, ids, 5))  # GPT reads the same cache as GPT-2
    with torch.no_grad():
        first = gpt(ids)[:, -1].argmax(-1)
    assert out.shape == (1, 9) and out[0, 4] == first[0]
    assert generate(model, ids, 0).equal(ids)  # nothing asked, the prompt back


def test_generate_puts_the_model_back_in_training_mode():
    model = _model().train()
    generate(model, torch.tensor([[1, 2]]), 3)
    assert model.training


def test_generate_fills_the_context_and_not_one_more():
    model = _model()
    assert generate(model, torch.tensor([[1, 2]]), 30).shape == (1, 32)
    with pytest.raises(ValueError, match=r"max_new_tokens asks for 31 more: 33 is over the model's context"):
        generate(model, torch.tensor([[1, 2]]), 31)


BAD = [
    (lambda: top_k_filter(torch.zeros(5), 0), ValueError, "k must be an int >= 1"),
    (lambda: top_k_filter(torch.zeros(5), 2.0), TypeError, "k must be an int"),
    (lambda: top_k_filter([0.1, 0.2], 1), TypeError, "logits"),
    (lambda: top_k_filter(torch.zeros(5, dtype=torch.long), 1), ValueError, "logits must be a floating-point"),
    (lambda: top_p_filter(torch.zeros(5), 0.0), ValueError, r"p must be a number in \(0.0, 1.0\]"),
    (lambda: top_p_filter(torch.zeros(5), 1.5), ValueError, "p must be"),
    (lambda: apply_temperature(torch.zeros(5), 0), ValueError, "temperature must be a number > 0"),
    (lambda: choose_next(torch.zeros(5), do_sample=True), ValueError, r"logits must have shape \(batch, vocab\)"),
    (lambda: choose_next(torch.zeros(1, 5), do_sample=1), TypeError, "do_sample"),
    (lambda: choose_next(torch.zeros(1, 5), top_k=0), ValueError, "top_k"),
    (lambda: choose_next(torch.zeros(1, 5), generator=0), TypeError, "generator"),
    (lambda: generate(_model(), torch.tensor([[1, 2]]), -1), ValueError, "max_new_tokens must be an int >= 0"),
    (lambda: generate(_model(), torch.tensor([[1, 2]]), 2, temperature=-1.0), ValueError, "temperature"),
    (lambda: generate(_model(), torch.tensor([[1, 2]]), 2, top_p=0), ValueError, "top_p"),
    (lambda: generate(_model(), torch.tensor([1, 2]), 2), ValueError, r"ids must have shape \(batch, seq\)"),
    (lambda: generate(_model(), torch.tensor([[1, 2]], dtype=torch.int32), 2), TypeError, "ids must be a torch.long"),
    (lambda: generate(_model(), [[1, 2]], 2), TypeError, "ids must be a torch.Tensor"),
    (lambda: generate(_model(), torch.zeros(1, 0, dtype=torch.long), 2), ValueError, "ids must hold a prompt"),
    (lambda: generate(_model(), torch.zeros(1, 33, dtype=torch.long), 0), ValueError, "over the model's context"),
    (lambda: generate(_model(), torch.tensor([[1, 2]]), 2, use_cache="yes"), TypeError, "use_cache"),
    (lambda: generate(torch.nn.Linear(2, 2), torch.tensor([[1, 2]]), 2), TypeError,
     r"model must be a left-to-right decoder with next_token_scores"),
    (lambda: generate("model", torch.tensor([[1, 2]]), 2), TypeError, "model must be a decoder"),
    (lambda: generate(_model(), torch.tensor([[1, 50]]), 2), ValueError, r"ids must lie in \[0, vocab_size=50\)"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), BAD)
def test_bad_input_is_named(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
