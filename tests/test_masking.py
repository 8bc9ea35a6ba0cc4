import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.masking import (
    IGNORE_INDEX,
    MASKED,
    NOT_SELECTED,
    RANDOM,
    UNCHANGED,
    mask_outcomes,
    mask_tokens,
    masking_rates,
)

VOCAB, PAD, CLS, SEP, MASK = 50, 0, 2, 3, 4
SPECIALS = {0, 1, 2, 3, 4}


@st.composite
def batches(draw):
    b, t = draw(st.integers(1, 4)), draw(st.integers(1, 24))
    values = draw(st.lists(st.integers(0, VOCAB - 1), min_size=b * t, max_size=b * t))
    return torch.tensor(values, dtype=torch.long).view(b, t)


probs = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def fractions(draw):
    mask_frac = draw(probs)
    return mask_frac, draw(st.floats(0.0, 1.0 - mask_frac, allow_nan=False))


@settings(max_examples=150, deadline=None)
@given(ids=batches(), p=probs, fr=fractions(), seed=st.integers(0, 2**31))
def test_contract(ids, p, fr, seed):
    before = ids.clone()
    run = lambda: mask_tokens(ids, vocab_size=VOCAB, mask_id=MASK, special_ids=SPECIALS, mask_prob=p,  # noqa: E731
                              mask_frac=fr[0], random_frac=fr[1], generator=torch.Generator().manual_seed(seed),
                              return_outcomes=True)
    inputs, labels, outcomes = run()
    assert torch.equal(ids, before)  # the input is not modified
    assert inputs.shape == ids.shape and inputs.dtype == ids.dtype and labels.dtype == ids.dtype
    special = torch.isin(ids, torch.tensor(sorted(SPECIALS)))
    selected = labels != IGNORE_INDEX
    assert not (selected & special).any()  # special positions are never selected
    assert torch.equal(labels[selected], ids[selected])  # labels hold the original ids...
    assert torch.all(labels[~selected] == IGNORE_INDEX)  # ...and -100 elsewhere
    assert torch.equal(inputs[~selected], ids[~selected])  # unselected positions untouched
    assert torch.all(inputs[outcomes == MASKED] == MASK)
    assert torch.equal(inputs[outcomes == UNCHANGED], ids[outcomes == UNCHANGED])
    randoms = inputs[outcomes == RANDOM]
    assert not torch.isin(randoms, torch.tensor(sorted(SPECIALS))).any()  # random ids are ordinary
    assert torch.equal((outcomes != NOT_SELECTED), selected)
    again = run()  # same generator seed, same result
    assert all(torch.equal(a, b) for a, b in zip((inputs, labels, outcomes), again, strict=True))


@settings(max_examples=50, deadline=None)
@given(ids=batches(), seed=st.integers(0, 2**31))
def test_edge_probabilities(ids, seed):
    kw = dict(vocab_size=VOCAB, mask_id=MASK, special_ids=SPECIALS, generator=torch.Generator().manual_seed(seed))
    ordinary = ~torch.isin(ids, torch.tensor(sorted(SPECIALS)))
    inputs, labels = mask_tokens(ids, mask_prob=0.0, **kw)
    assert torch.equal(inputs, ids) and torch.all(labels == IGNORE_INDEX)
    inputs, labels = mask_tokens(ids, mask_prob=1.0, mask_frac=1.0, random_frac=0.0, **kw)
    assert torch.equal(labels != IGNORE_INDEX, ordinary) and torch.all(inputs[ordinary] == MASK)
    _, _, outcomes = mask_tokens(ids, mask_prob=1.0, mask_frac=0.0, random_frac=1.0, return_outcomes=True, **kw)
    assert torch.all(outcomes[ordinary] == RANDOM)
    _, labels = mask_tokens(ids, mask_prob=1.0, mask_frac=0.0, random_frac=0.0, **kw)
    assert torch.equal(labels != IGNORE_INDEX, ordinary)


def _large_batch(n_rows=2000, n_cols=256):
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(5, 1000, (n_rows, n_cols), generator=gen)
    ids[:, 0], ids[:, -1] = CLS, SEP
    ids[: n_rows // 4, -40:] = PAD  # some padding, as in a real batch
    return ids


@pytest.mark.parametrize("mask_prob", [0.15, 0.3])
def test_measured_rates_match_the_rule(mask_prob):
    ids = _large_batch()
    _, _, outcomes = mask_tokens(ids, vocab_size=1000, mask_id=MASK, special_ids=SPECIALS, mask_prob=mask_prob,
                                 generator=torch.Generator().manual_seed(1), return_outcomes=True)
    rates = masking_rates(outcomes, ids, SPECIALS)
    n = rates["ordinary_positions"]  # about 500,000
    # Binomial standard deviations: sqrt(p(1-p)/n) ~ 0.0005 for the selection and ~0.0011 for an
    # 80 % share of ~75,000 selected positions; the bounds below are more than 5 of them, so a
    # correct implementation essentially never fails, while a rate off by a point always does.
    sd_select = math.sqrt(mask_prob * (1 - mask_prob) / n)
    assert abs(rates["selected"] - mask_prob) < max(5 * sd_select, 0.003)
    selected = rates["selected"] * n
    for name, expected in (("mask", 0.8), ("random", 0.1), ("unchanged", 0.1)):
        assert abs(rates[name] - expected) < max(5 * math.sqrt(expected * (1 - expected) / selected), 0.005), (name, rates)


def test_mask_outcomes_infers_codes():
    ids = torch.tensor([[2, 10, 11, 12, 13, 3]])
    inputs = torch.tensor([[2, 4, 40, 12, 13, 3]])
    labels = torch.tensor([[-100, 10, 11, 12, -100, -100]])
    assert mask_outcomes(ids, inputs, labels, MASK).tolist() == [[0, MASKED, RANDOM, UNCHANGED, 0, 0]]
    with pytest.raises(ValueError, match="one shape"):
        mask_outcomes(ids, inputs[:, :3], labels, MASK)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(mask_prob=1.5), ValueError, "mask_prob"),
        (dict(mask_prob=-0.1), ValueError, "mask_prob"),
        (dict(mask_frac=2), ValueError, "mask_frac"),
        (dict(random_frac=-1), ValueError, "random_frac"),
        (dict(mask_frac=0.7, random_frac=0.4), ValueError, "mask_frac \\+ random_frac"),
        (dict(input_ids=torch.ones(2, 3)), TypeError, "integer"),
        (dict(input_ids=[[1, 2]]), TypeError, "input_ids"),
        (dict(input_ids=torch.ones(3, dtype=torch.long)), ValueError, "shape"),
        (dict(input_ids=torch.full((1, 2), 99)), ValueError, "vocab_size"),
        (dict(vocab_size=0), ValueError, "vocab_size"),
        (dict(mask_id=50), ValueError, "mask_id"),
        (dict(special_ids=range(50)), ValueError, "special_ids"),
        (dict(special_ids="abc"), TypeError, "special_ids"),
    ],
)
def test_bad_input(kwargs, error, match):
    args = dict(input_ids=torch.tensor([[2, 7, 8, 3]]), vocab_size=VOCAB, mask_id=MASK, special_ids=SPECIALS)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        mask_tokens(args.pop("input_ids"), **args)
