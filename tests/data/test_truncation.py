"""lessons_lib.data.truncation: head, tail and head+tail cuts of a long text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons_lib.data.truncation import (
    BERT_MAX_TOKENS,
    STRATEGIES,
    head_tail_split,
    kept_mask,
    truncate,
)


def _expected(tokens: list, strategy: str, max_tokens: int) -> list:
    """The documented rule, written out on its own: head 128/510 (256/510 above 800/510 of the budget)."""
    n = len(tokens)
    if n <= max_tokens:
        return list(tokens)
    if strategy == "head":
        return tokens[:max_tokens]
    if strategy == "tail":
        return tokens[n - max_tokens:]
    share = 256 if n > round(max_tokens * 800 / 510) else 128
    head = round(max_tokens * share / 510)
    return tokens[:head] + tokens[n - (max_tokens - head):]


@pytest.mark.parametrize("n", [0, 1, 509, 510])
@pytest.mark.parametrize("strategy", ["head", "tail", "head+tail"])
def test_texts_that_fit_come_back_whole_as_a_copy(n, strategy):
    tokens = list(range(n))
    out = truncate(tokens, strategy)
    assert out == tokens and out is not tokens


def test_exact_boundaries():
    assert BERT_MAX_TOKENS == 510 and STRATEGIES == ("head", "tail", "head+tail")
    t511, t800, t801 = list(range(511)), list(range(800)), list(range(801))
    assert truncate(t511, "head") == list(range(510))
    assert truncate(t511, "tail") == list(range(1, 511))
    assert truncate(t511, "head+tail") == list(range(128)) + list(range(129, 511))  # drops token 128 only
    assert truncate(t800, "head+tail") == list(range(128)) + list(range(418, 800))  # 800: still 128 + 382
    assert truncate(t801, "head+tail") == list(range(256)) + list(range(547, 801))  # 801: 256 + 254
    assert head_tail_split(800) == (128, 382) and head_tail_split(801) == (256, 254)


def test_other_budgets_keep_the_same_proportions():
    # Half of BERT's budget: the threshold halves to 400 tokens, the splits to 64/191 and 128/127.
    assert head_tail_split(400, 255) == (64, 191) and head_tail_split(401, 255) == (128, 127)
    assert truncate(list(range(300)), "head+tail", 255) == list(range(64)) + list(range(109, 300))
    assert kept_mask(5, "tail", 3) == [False, False, True, True, True]
    assert kept_mask(5, "head", 3) == [True, True, True, False, False]


@given(n=st.integers(0, 3000), max_tokens=st.integers(2, 600), strategy=st.sampled_from(["head", "tail", "head+tail"]))
def test_properties(n, max_tokens, strategy):
    tokens = list(range(n))
    out = truncate(tokens, strategy, max_tokens)
    assert out == _expected(tokens, strategy, max_tokens)  # the rule, computed independently
    assert len(out) == min(n, max_tokens)
    assert kept_mask(n, strategy, max_tokens) == [t in set(out) for t in tokens]
    if strategy == "head+tail" and n > max_tokens:
        assert out[: head_tail_split(n, max_tokens)[0]] == tokens[: head_tail_split(n, max_tokens)[0]]


def test_bad_arguments():
    with pytest.raises(ValueError, match="strategy"):
        truncate([1, 2], "middle")
    with pytest.raises(ValueError, match="max_tokens"):
        truncate([1, 2], "head", 1)
    with pytest.raises(TypeError, match="max_tokens must be an int"):  # a float is the wrong kind of value
        truncate([1, 2], "head", 10.0)
    with pytest.raises(TypeError, match="tokens"):
        truncate("a string", "head")
    with pytest.raises(ValueError, match="n_tokens"):
        kept_mask(-1, "head")
