import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons_lib.truncation import head_tail_split, kept_mask, truncate


@pytest.mark.parametrize("n", [0, 1, 509, 510])
@pytest.mark.parametrize("strategy", ["head", "tail", "head+tail"])
def test_texts_that_fit_come_back_whole_as_a_copy(n, strategy):
    tokens = list(range(n))
    out = truncate(tokens, strategy)
    assert out == tokens and out is not tokens


def test_exact_boundaries():
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
    assert len(out) == min(n, max_tokens)
    assert out == sorted(out)  # order kept, nothing invented
    assert sum(kept_mask(n, strategy, max_tokens)) == len(out)
    if n > max_tokens and strategy == "head":
        assert out[0] == 0 and out[-1] == max_tokens - 1
    if n > max_tokens and strategy == "tail":
        assert out[-1] == n - 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="strategy"):
        truncate([1, 2], "middle")
    with pytest.raises(ValueError, match="max_tokens"):
        truncate([1, 2], "head", 1)
    with pytest.raises(ValueError, match="max_tokens"):
        truncate([1, 2], "head", 10.0)
    with pytest.raises(TypeError, match="tokens"):
        truncate("a string", "head")
    with pytest.raises(ValueError, match="n_tokens"):
        kept_mask(-1, "head")
