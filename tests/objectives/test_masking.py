"""lessons_lib.objectives.masking: BERT's selection and 80/10/10 replacement, outcome codes, rates, MaskingRule."""

import math
from dataclasses import dataclass

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.objectives.masking import (
    IGNORE_INDEX,
    MASKED,
    NOT_SELECTED,
    OUTCOME_NAMES,
    RANDOM,
    UNCHANGED,
    MaskingRule,
    mask_outcomes,
    mask_tokens,
    mask_with_rule,
    masking_rates,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer

# A small BERT-like vocabulary for the examples: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4.
VOCAB, PAD, UNK, CLS, SEP, MASK = 50, 0, 1, 2, 3, 4
SPECIALS = {PAD, UNK, CLS, SEP, MASK}


@dataclass
class Case:
    ids: torch.Tensor  # (B, T)
    vocab_size: int
    mask_id: int
    specials: set[int]

    def run(self, seed: int, **kwargs) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return mask_tokens(self.ids, vocab_size=self.vocab_size, mask_id=self.mask_id, special_ids=self.specials,
                           generator=torch.Generator().manual_seed(seed), return_outcomes=True, **kwargs)

    @property
    def ordinary(self) -> torch.Tensor:
        return ~torch.isin(self.ids, torch.tensor(sorted(self.specials), dtype=self.ids.dtype))

    @property
    def pool(self) -> torch.Tensor:
        """The ids a random replacement may take."""
        return torch.tensor([i for i in range(self.vocab_size) if i not in self.specials | {self.mask_id}])


@st.composite
def cases(draw) -> Case:
    """Any valid call: vocabularies from 2 ids up, any specials that leave one ordinary id, empty batches too."""
    vocab = draw(st.integers(2, 60))
    mask_id = draw(st.integers(0, vocab - 1))
    free = draw(st.integers(0, vocab - 2))  # an id other than mask_id that stays ordinary
    free += free >= mask_id
    specials = draw(st.sets(st.integers(0, vocab - 1), max_size=8)) - {free}
    if draw(st.booleans()):
        specials.add(mask_id)  # BERT lists [MASK] among the specials, but it need not be
    b, t = draw(st.integers(0, 4)), draw(st.integers(0, 24))
    token = st.integers(0, vocab - 1)
    if specials:  # make special ids common, as [PAD] is in a real batch
        token = st.one_of(token, st.sampled_from(sorted(specials)))
    values = draw(st.lists(token, min_size=b * t, max_size=b * t))
    dtype = draw(st.sampled_from([torch.long, torch.int32, torch.int16]))
    return Case(torch.tensor(values, dtype=dtype).view(b, t), vocab, mask_id, specials)


probs = st.floats(0.0, 1.0)


@st.composite
def rules(draw) -> dict[str, float]:
    mask_frac = draw(probs)
    random_frac = draw(st.floats(0.0, 1.0 - mask_frac))
    return dict(mask_prob=draw(probs), mask_frac=mask_frac, random_frac=random_frac)


seeds = st.integers(0, 2**32 - 1)
examples = settings(max_examples=50, deadline=None)


# --- the contract, one property per test ---------------------------------------------------------


@examples
@given(case=cases(), rule=rules(), seed=seeds)
def test_special_positions_are_never_selected(case, rule, seed):
    inputs, labels, outcomes = case.run(seed, **rule)
    special = ~case.ordinary
    assert torch.all(labels[special] == IGNORE_INDEX)
    assert torch.all(outcomes[special] == NOT_SELECTED)
    assert torch.equal(inputs[special], case.ids[special])


@examples
@given(case=cases(), rule=rules(), seed=seeds)
def test_labels_are_the_original_ids_exactly_at_selected_positions(case, rule, seed):
    inputs, labels, outcomes = case.run(seed, **rule)
    selected = outcomes != NOT_SELECTED
    assert torch.equal(labels[selected], case.ids[selected])
    assert torch.all(labels[~selected] == IGNORE_INDEX)
    assert torch.equal(inputs[~selected], case.ids[~selected])  # only selected positions change


@examples
@given(case=cases(), rule=rules(), seed=seeds)
def test_input_tensor_is_not_modified(case, rule, seed):
    before = case.ids.clone()
    inputs, labels, _ = case.run(seed, **rule)
    assert torch.equal(case.ids, before)
    assert inputs.data_ptr() != case.ids.data_ptr() or case.ids.numel() == 0


@examples
@given(case=cases(), rule=rules(), seed=seeds)
def test_same_seed_same_result(case, rule, seed):
    first, again = case.run(seed, **rule), case.run(seed, **rule)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    # generator=None uses torch's global random state, so torch.manual_seed reproduces a call.
    kwargs = dict(vocab_size=case.vocab_size, mask_id=case.mask_id, special_ids=case.specials, **rule)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        global_first = mask_tokens(case.ids, **kwargs)
        torch.manual_seed(seed)
        global_again = mask_tokens(case.ids, **kwargs)
    assert all(torch.equal(a, b) for a, b in zip(global_first, global_again, strict=True))
    # ...and draws exactly as a fresh generator with that seed does.
    assert all(torch.equal(a, b) for a, b in zip(global_first, first[:2], strict=True))


@examples
@given(case=cases(), rule=rules(), seed=seeds)
def test_each_outcome_does_what_its_code_says(case, rule, seed):
    inputs, _, outcomes = case.run(seed, **rule)
    assert torch.all(inputs[outcomes == MASKED] == case.mask_id)
    assert torch.equal(inputs[outcomes == UNCHANGED], case.ids[outcomes == UNCHANGED])
    randoms = inputs[outcomes == RANDOM]
    assert torch.isin(randoms, case.pool).all()  # never special, never [MASK], inside the vocabulary
    assert set(outcomes.unique().tolist()) <= set(OUTCOME_NAMES)


@examples
@given(case=cases(), rule=rules(), seed=seeds)
def test_shapes_and_dtypes_are_preserved(case, rule, seed):
    inputs, labels, outcomes = case.run(seed, **rule)
    assert inputs.shape == labels.shape == outcomes.shape == case.ids.shape
    assert inputs.dtype == labels.dtype == case.ids.dtype
    assert outcomes.dtype == torch.long
    two = mask_tokens(case.ids, vocab_size=case.vocab_size, mask_id=case.mask_id, special_ids=case.specials,
                      generator=torch.Generator().manual_seed(seed), **rule)
    assert len(two) == 2 and torch.equal(two[0], inputs) and torch.equal(two[1], labels)


@examples
@given(case=cases(), seed=seeds)
def test_edge_probabilities(case, seed):
    ordinary = case.ordinary
    inputs, labels, outcomes = case.run(seed, mask_prob=0.0)  # nothing selected
    assert torch.equal(inputs, case.ids) and torch.all(labels == IGNORE_INDEX) and torch.all(outcomes == 0)

    inputs, labels, outcomes = case.run(seed, mask_prob=1.0)  # every ordinary position selected
    assert torch.equal(labels != IGNORE_INDEX, ordinary)

    inputs, _, outcomes = case.run(seed, mask_prob=1.0, mask_frac=1.0, random_frac=0.0)  # all [MASK]
    assert torch.all(outcomes[ordinary] == MASKED) and torch.all(inputs[ordinary] == case.mask_id)

    inputs, _, outcomes = case.run(seed, mask_prob=1.0, mask_frac=0.0, random_frac=1.0)  # all random
    assert torch.all(outcomes[ordinary] == RANDOM) and torch.isin(inputs[ordinary], case.pool).all()

    inputs, labels, outcomes = case.run(seed, mask_prob=1.0, mask_frac=0.0, random_frac=0.0)  # selected, kept
    assert torch.equal(inputs, case.ids) and torch.equal(labels != IGNORE_INDEX, ordinary)
    assert torch.all(outcomes[ordinary] == UNCHANGED)


# --- outcome codes inferred from the tensors -----------------------------------------------------


@examples
@given(case=cases(), rule=rules(), seed=seeds)
def test_mask_outcomes_agrees_with_the_exact_codes_except_where_the_tensors_cannot_tell(case, rule, seed):
    inputs, labels, exact = case.run(seed, **rule)
    inferred = mask_outcomes(case.ids, inputs, labels, case.mask_id)
    # Two cases the tensors cannot tell apart: a random draw of the original id, and a selected
    # position that held [MASK] and still does (possible only when mask_id is not a special id).
    drew_original = (exact == RANDOM) & (inputs == case.ids)
    held_mask = (exact != NOT_SELECTED) & (case.ids == case.mask_id) & (inputs == case.mask_id)
    ambiguous = drew_original | held_mask
    assert torch.equal(inferred[~ambiguous], exact[~ambiguous])
    assert torch.all(inferred[drew_original & ~held_mask] == UNCHANGED)
    assert torch.all(inferred[held_mask] == MASKED)


def test_a_random_draw_can_equal_the_original_id():
    # The only ordinary id is 5, so every random replacement draws the original token back.
    ids = torch.tensor([[CLS, 5, 5, 5, SEP]])
    inputs, labels, exact = mask_tokens(ids, vocab_size=6, mask_id=MASK, special_ids=SPECIALS, mask_prob=1.0,
                                        mask_frac=0.0, random_frac=1.0, return_outcomes=True)
    assert torch.equal(inputs, ids)  # looks untouched...
    assert exact.tolist() == [[NOT_SELECTED, RANDOM, RANDOM, RANDOM, NOT_SELECTED]]  # ...yet was replaced
    assert mask_outcomes(ids, inputs, labels, MASK).tolist() == [[0, UNCHANGED, UNCHANGED, UNCHANGED, 0]]


def test_mask_outcomes_example():
    ids = torch.tensor([[CLS, 10, 11, 12, 13, SEP]])
    inputs = torch.tensor([[CLS, MASK, 40, 12, 13, SEP]])
    labels = torch.tensor([[-100, 10, 11, 12, -100, -100]])
    assert mask_outcomes(ids, inputs, labels, MASK).tolist() == [[0, MASKED, RANDOM, UNCHANGED, 0, 0]]
    rates = masking_rates(ids, inputs, labels, SPECIALS, mask_id=MASK)
    assert rates == dict(selected=0.75, mask=1 / 3, random=1 / 3, unchanged=1 / 3,
                         ordinary_positions=4, selected_positions=3)


def test_masking_rates_with_nothing_selected_reports_zeros():
    ids = torch.tensor([[CLS, 10, SEP]])
    rates = masking_rates(ids, ids, torch.full_like(ids, -100), SPECIALS, mask_id=MASK)
    assert rates == dict(selected=0.0, mask=0.0, random=0.0, unchanged=0.0, ordinary_positions=1,
                         selected_positions=0)


@examples
@given(case=cases(), rule=rules(), seed=seeds)
def test_masking_rates_counts_what_mask_tokens_did(case, rule, seed):
    inputs, labels, outcomes = case.run(seed, **rule)
    rates = masking_rates(case.ids, inputs, labels, case.specials, mask_id=case.mask_id, outcomes=outcomes)
    n_selected = int((labels != IGNORE_INDEX).sum())
    assert rates["ordinary_positions"] == int(case.ordinary.sum())
    assert rates["selected_positions"] == n_selected
    assert rates["selected"] == (n_selected / int(case.ordinary.sum()) if case.ordinary.any() else 0.0)
    for name, code in (("mask", MASKED), ("random", RANDOM), ("unchanged", UNCHANGED)):
        expected = int((outcomes == code).sum()) / n_selected if n_selected else 0.0
        assert rates[name] == pytest.approx(expected), name


# --- measured rates over a large batch -----------------------------------------------------------


def _large_batch(n_rows: int = 2000, n_cols: int = 256) -> torch.Tensor:
    """About 490,000 ordinary positions among [CLS], [SEP], [UNK] and [PAD], as in a real batch."""
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(5, 1000, (n_rows, n_cols), generator=gen)  # (B, T)
    ids[:, 0], ids[:, -1] = CLS, SEP
    ids[:, 100] = UNK
    ids[: n_rows // 4, -40:] = PAD
    return ids


def _measure(mask_prob: float, mask_frac: float, random_frac: float, seed: int = 1) -> dict:
    ids = _large_batch()
    inputs, labels, outcomes = mask_tokens(ids, vocab_size=1000, mask_id=MASK, special_ids=SPECIALS,
                                           mask_prob=mask_prob, mask_frac=mask_frac, random_frac=random_frac,
                                           generator=torch.Generator().manual_seed(seed), return_outcomes=True)
    return masking_rates(ids, inputs, labels, SPECIALS, mask_id=MASK, outcomes=outcomes)


def _misses(rates: dict, mask_prob: float, mask_frac: float, random_frac: float,
            select_tol: float, split_tol: float) -> list[str]:
    """Rates farther from the rule than the tolerances; also checks each tolerance is >= 5 binomial sd."""
    n, m = rates["ordinary_positions"], rates["selected_positions"]
    expected = {"selected": mask_prob, "mask": mask_frac, "random": random_frac,
                "unchanged": 1.0 - mask_frac - random_frac}
    misses = []
    for name, p in expected.items():
        count, tol = (n, select_tol) if name == "selected" else (m, split_tol)
        sd = math.sqrt(p * (1 - p) / count)  # standard deviation of a binomial proportion
        assert tol >= 5 * sd, f"tolerance {tol} for {name} is under 5 sd ({sd:.5f}): the test could flake"
        if abs(rates[name] - p) > tol:
            misses.append(f"{name}: measured {rates[name]:.4f}, expected {p} +- {tol}")
    return misses


def test_measured_rates_match_bert_15_80_10_10():
    # Why the bounds are safe yet sharp. With n ~ 490,000 ordinary positions the selected count is
    # Binomial(n, 0.15): the measured rate has sd sqrt(0.15 * 0.85 / n) ~ 0.00051, so +-0.003 is
    # ~5.9 sd (two-sided chance ~ 4e-9). Of the m ~ 73,000 selected positions the [MASK] count is
    # Binomial(m, 0.8): sd sqrt(0.8 * 0.2 / m) ~ 0.0015, so +-0.01 is ~6.8 sd; the random and
    # unchanged shares (p = 0.1) have sd ~ 0.0011, so +-0.01 is ~9 sd. A bug that moves the
    # selection by a point or the split by two still fails. `_misses` re-checks the 5 sd.
    rates = _measure(0.15, 0.8, 0.1)
    assert rates["ordinary_positions"] > 480_000
    assert _misses(rates, 0.15, 0.8, 0.1, select_tol=0.003, split_tol=0.01) == []


def test_measured_rates_follow_the_arguments():
    # A rule hard-coded to 15 % / 80-10-10 would fail here. With p = 0.3 the selection sd is
    # sqrt(0.21 / n) ~ 0.00066, so the bound widens to +-0.004 (~6 sd); the split shares over
    # m ~ 146,000 selected positions have sd <= 0.0013, so +-0.01 is >= 7.6 sd.
    rates = _measure(0.3, 0.5, 0.3)
    assert _misses(rates, 0.3, 0.5, 0.3, select_tol=0.004, split_tol=0.01) == []
    assert _misses(rates, 0.15, 0.8, 0.1, select_tol=0.003, split_tol=0.01) != []


def test_the_rate_check_catches_a_classic_bug():
    # The bug: draw "random" with probability 0.1 among the 20 % left after [MASK], instead of
    # half of them; the split becomes 80/2/18, which the check must reject.
    ids = _large_batch()
    gen = torch.Generator().manual_seed(2)
    ordinary = ~torch.isin(ids, torch.tensor(sorted(SPECIALS)))
    selected = (torch.rand(ids.shape, generator=gen) < 0.15) & ordinary
    to_mask = selected & (torch.rand(ids.shape, generator=gen) < 0.8)
    to_random = selected & ~to_mask & (torch.rand(ids.shape, generator=gen) < 0.1)
    inputs = ids.clone()
    inputs[to_mask] = MASK
    inputs[to_random] = torch.randint(5, 1000, ids.shape, generator=gen)[to_random]
    labels = torch.where(selected, ids, IGNORE_INDEX)
    rates = masking_rates(ids, inputs, labels, SPECIALS, mask_id=MASK)
    misses = _misses(rates, 0.15, 0.8, 0.1, select_tol=0.003, split_tol=0.01)
    assert [m.split(":")[0] for m in misses] == ["random", "unchanged"]


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(mask_prob=1.5), ValueError, "mask_prob"),
        (dict(mask_prob=-0.1), ValueError, "mask_prob"),
        (dict(mask_prob=float("nan")), ValueError, "mask_prob"),
        (dict(mask_prob="0.15"), TypeError, "mask_prob"),
        (dict(mask_frac=2), ValueError, "mask_frac"),
        (dict(random_frac=-1), ValueError, "random_frac"),
        (dict(random_frac=True), TypeError, "random_frac"),
        (dict(mask_frac=0.7, random_frac=0.4), ValueError, r"mask_frac \+ random_frac"),
        (dict(input_ids=torch.ones(2, 3)), TypeError, "input_ids.*integer"),
        (dict(input_ids=torch.ones(2, 3, dtype=torch.bool)), TypeError, "input_ids"),
        (dict(input_ids=torch.ones(2, 3, dtype=torch.uint8)), TypeError, "input_ids"),
        (dict(input_ids=[[2, 7, 3]]), TypeError, "input_ids"),
        (dict(input_ids=torch.ones(3, dtype=torch.long)), ValueError, r"input_ids must have shape \(batch, seq\)"),
        (dict(input_ids=torch.ones(1, 2, 3, dtype=torch.long)), ValueError, r"input_ids must have shape \(batch, seq\)"),
        (dict(input_ids=torch.tensor([[2, 99, 3]])), ValueError, "input_ids.*vocab_size"),
        (dict(input_ids=torch.tensor([[2, -5, 3]])), ValueError, "input_ids.*vocab_size"),
        (dict(vocab_size=0), ValueError, "vocab_size"),
        (dict(vocab_size=50.0), TypeError, "vocab_size"),
        (dict(mask_id=50), ValueError, "mask_id"),
        (dict(mask_id=-1), ValueError, "mask_id"),
        (dict(mask_id="[MASK]"), TypeError, "mask_id"),
        (dict(special_ids=range(50)), ValueError, "special_ids"),
        (dict(special_ids=set(range(50)) - {MASK}), ValueError, "special_ids"),  # only [MASK] left
        (dict(special_ids=[0, 99]), ValueError, "special_ids"),
        (dict(special_ids=[-1]), ValueError, "special_ids"),
        (dict(special_ids=[0, 1.5]), TypeError, "special_ids"),
        (dict(special_ids="[PAD]"), TypeError, "special_ids"),
        (dict(special_ids=0), TypeError, "special_ids"),
        (dict(generator=0), TypeError, "generator"),
        (dict(return_outcomes=1), TypeError, "return_outcomes"),
    ],
)
def test_mask_tokens_rejects_bad_input(kwargs, error, match):
    args = dict(input_ids=torch.tensor([[CLS, 7, 8, SEP]]), vocab_size=VOCAB, mask_id=MASK, special_ids=SPECIALS)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        mask_tokens(args.pop("input_ids"), **args)


def test_fractions_summing_to_one_are_accepted():
    ids = torch.tensor([[CLS, 7, 8, SEP]])
    for mask_frac in (0.1, 0.3, 0.7, 0.9):  # 0.7 + 0.3 and friends must not trip on rounding
        mask_tokens(ids, vocab_size=VOCAB, mask_id=MASK, special_ids=SPECIALS, mask_frac=mask_frac,
                    random_frac=1 - mask_frac)


IDS = torch.tensor([[CLS, 10, 11, SEP]])
INPUTS = torch.tensor([[CLS, MASK, 11, SEP]])
LABELS = torch.tensor([[-100, 10, -100, -100]])


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((IDS, INPUTS[:, :3], LABELS), ValueError, "same shape"),
        ((IDS.tolist(), INPUTS, LABELS), TypeError, "original"),
        ((IDS, INPUTS.float(), LABELS), TypeError, "inputs"),
        ((IDS, INPUTS, LABELS[0]), ValueError, r"labels must have shape \(batch, seq\)"),
        ((IDS, LABELS, INPUTS), ValueError, "labels must hold the original"),  # swapped
        ((INPUTS, IDS, LABELS), ValueError, "labels must hold the original"),  # swapped
        ((IDS, torch.tensor([[CLS, MASK, 12, SEP]]), LABELS), ValueError, "inputs must equal original"),
    ],
)
def test_mask_outcomes_and_masking_rates_reject_inconsistent_tensors(args, error, match):
    with pytest.raises(error, match=match):
        mask_outcomes(*args, MASK)
    with pytest.raises(error, match=match):
        masking_rates(*args, SPECIALS, mask_id=MASK)


def test_mask_outcomes_and_masking_rates_reject_bad_arguments():
    with pytest.raises(TypeError, match="mask_id"):
        mask_outcomes(IDS, INPUTS, LABELS, 4.0)
    with pytest.raises(TypeError, match="special_ids"):
        masking_rates(IDS, INPUTS, LABELS, "[CLS]", mask_id=MASK)
    with pytest.raises(ValueError, match="special_ids"):  # position 1 holds id 10, now called special
        masking_rates(IDS, INPUTS, LABELS, SPECIALS | {10}, mask_id=MASK)
    with pytest.raises(TypeError, match="outcomes"):
        masking_rates(IDS, INPUTS, LABELS, SPECIALS, mask_id=MASK, outcomes=torch.zeros(1, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="outcomes.*nonzero"):
        masking_rates(IDS, INPUTS, LABELS, SPECIALS, mask_id=MASK, outcomes=torch.zeros_like(IDS))
    with pytest.raises(ValueError, match="outcomes.*codes"):
        masking_rates(IDS, INPUTS, LABELS, SPECIALS, mask_id=MASK, outcomes=torch.tensor([[0, 7, 0, 0]]))


# --- MaskingRule and mask_with_rule ----------------------------------------------------------


def test_masking_rule_defaults_are_bert_s_and_names_read_in_percent():
    rule = MaskingRule()
    assert (rule.mask_prob, rule.mask_frac, rule.random_frac) == (0.15, 0.8, 0.1)
    assert rule.name == "80/10/10"
    assert MaskingRule(0.15, 1.0, 0.0).name == "100/0/0" and MaskingRule(0.3, 0.8, 0.0).name == "80/0/20"
    assert MaskingRule(0.15, 0.7, 0.3).name == "70/30/0"  # 0.7 + 0.3 is accepted despite rounding


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    (dict(mask_prob=1.5), ValueError, r"mask_prob must be a number in \[0.0, 1.0\]"),
    (dict(mask_frac=-0.1), ValueError, "mask_frac"),
    (dict(random_frac="0.1"), TypeError, "random_frac must be a number"),
    (dict(mask_frac=0.8, random_frac=0.3), ValueError, r"mask_frac \+ random_frac must be <= 1"),
])
def test_masking_rule_validates_its_fields(kwargs, error, match):
    with pytest.raises(error, match=match):
        MaskingRule(**kwargs)


@pytest.fixture(scope="module")
def tokenizer():
    # [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, then ordinary words: as SPECIALS above.
    return WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *(f"w{i}" for i in range(5, VOCAB))])


def test_mask_with_rule_is_mask_tokens_with_the_tokenizer_s_ids_and_the_rule_s_shares(tokenizer):
    ids = torch.randint(5, VOCAB, (20, 30), generator=torch.Generator().manual_seed(0))
    ids[:, 0], ids[:, -1], ids[:5, -6:] = CLS, SEP, PAD
    rule = MaskingRule(0.4, 0.5, 0.3)
    got = mask_with_rule(ids, tokenizer, rule, torch.Generator().manual_seed(3))
    expected = mask_tokens(ids, vocab_size=VOCAB, mask_id=MASK, special_ids=SPECIALS, mask_prob=0.4, mask_frac=0.5,
                           random_frac=0.3, generator=torch.Generator().manual_seed(3))
    assert len(got) == 2 and all(torch.equal(a, b) for a, b in zip(got, expected, strict=True))
    assert (got[1] != IGNORE_INDEX).any()
    with pytest.raises(TypeError, match="rule must be a MaskingRule"):
        mask_with_rule(ids, tokenizer, {"mask_prob": 0.15}, None)
