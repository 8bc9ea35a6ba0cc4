"""lessons_lib.checks: each check returns the value or raises an error that names the argument and what is allowed."""

import numpy as np
import pytest
import torch

from lessons_lib.checks import (
    check_bool,
    check_choice,
    check_ids_in_range,
    check_ids_tensor,
    check_int,
    check_number,
    check_probability,
    check_strings,
    check_token_ids,
    check_type,
)


def test_check_int_accepts_python_numpy_and_0d_torch_ints():
    assert check_int("n", 3) == 3
    converted = check_int("n", np.int64(4))
    assert converted == 4 and type(converted) is int
    assert check_int("n", torch.tensor(5)) == 5
    assert check_int("n", 2, low=2, high=2) == 2


@pytest.mark.parametrize(("value", "kwargs", "error", "message"), [
    (True, {}, TypeError, "n must be an int, got True"),
    (2.0, {}, TypeError, "n must be an int, got float 2.0"),
    ("3", {"low": 1}, TypeError, "n must be an int >= 1, got str '3'"),
    (0, {"low": 1}, ValueError, "n must be an int >= 1, got 0"),
    (11, {"high": 10}, ValueError, "n must be an int <= 10, got 11"),
    (11, {"low": 0, "high": 10}, ValueError, "n must be an int in [0, 10], got 11"),
])
def test_check_int_rejections(value, kwargs, error, message):
    with pytest.raises(error) as caught:
        check_int("n", value, **kwargs)
    assert str(caught.value) == message


def test_check_number_bounds_open_and_closed():
    assert check_number("x", 1) == 1.0 and type(check_number("x", 1)) is float
    assert check_number("x", 0.0, low=0.0) == 0.0
    with pytest.raises(ValueError, match=r"^x must be a number > 0.0, got 0.0$"):
        check_number("x", 0.0, low=0.0, low_open=True)
    with pytest.raises(ValueError, match=r"^x must be a number in \[0.0, 1.0\), got 1.0$"):
        check_number("x", 1.0, low=0.0, high=1.0, high_open=True)
    with pytest.raises(ValueError, match=r"^x must be a number < 2, got 2$"):
        check_number("x", 2, high=2, high_open=True)
    for not_finite in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="^x must be a number"):
            check_number("x", not_finite)
    for wrong_kind in (True, "1", None, torch.tensor(1.0)):
        with pytest.raises(TypeError, match="^x must be a number"):
            check_number("x", wrong_kind)


def test_check_probability_is_a_number_in_0_1():
    assert check_probability("p", 0) == 0.0 and check_probability("p", 1) == 1.0
    with pytest.raises(ValueError, match=r"^p must be a number in \[0.0, 1.0\], got 1.01$"):
        check_probability("p", 1.01)


def test_check_bool_wants_exactly_true_or_false():
    assert check_bool("flag", True) is True and check_bool("flag", False) is False
    for bad in (0, 1, "yes", None):
        with pytest.raises(TypeError, match=r"^flag must be True or False, got "):
            check_bool("flag", bad)


def test_check_type_names_the_kinds():
    assert check_type("t", [1], list) == [1]
    with pytest.raises(TypeError, match=r"^t must be a list or tuple, got str$"):
        check_type("t", "x", (list, tuple))
    with pytest.raises(TypeError, match=r"^t must be a sequence of ids, got int$"):
        check_type("t", 3, list, "a sequence of ids")


def test_check_choice():
    assert check_choice("c", "b", ["a", "b"]) == "b"
    with pytest.raises(ValueError, match=r"^c must be one of \('a', 'b'\), got 'z'$"):
        check_choice("c", "z", ["a", "b"])
    with pytest.raises(ValueError, match="^c must be one of"):
        check_choice("c", ["a"], ["a", "b"])  # unhashable: refused, not a TypeError from `in`


def test_check_strings():
    assert check_strings("texts", ("a", "b")) == ["a", "b"]
    assert check_strings("texts", (t for t in ["a"])) == ["a"]
    assert check_strings("texts", [], non_empty=False) == []
    with pytest.raises(TypeError, match=r"^texts must be a list of strings, got str$"):
        check_strings("texts", "one text")
    with pytest.raises(TypeError, match=r"^texts must be a list of strings, item 1 is int 3$"):
        check_strings("texts", ["a", 3])
    with pytest.raises(ValueError, match=r"^texts must not be empty$"):
        check_strings("texts", [])


def test_check_token_ids():
    assert check_token_ids("ids", (1, 0)) == [1, 0]
    with pytest.raises(TypeError, match=r"^ids must be a list of token ids \(ints >= 0\), got str$"):
        check_token_ids("ids", "12")
    with pytest.raises(TypeError, match=r"item 1 is True$"):
        check_token_ids("ids", [1, True])
    with pytest.raises(ValueError, match=r"^ids must be a list of token ids \(ints >= 0\), item 0 is -1$"):
        check_token_ids("ids", [-1])


def test_check_ids_tensor():
    ids = torch.ones(2, 3, dtype=torch.long)
    assert check_ids_tensor("ids", ids) is ids
    assert check_ids_tensor("ids", torch.ones(4, dtype=torch.uint8), dims=1) is not None
    with pytest.raises(TypeError, match=r"^ids must be a torch.Tensor of integer token ids, got list$"):
        check_ids_tensor("ids", [[1]])
    with pytest.raises(TypeError, match=r"^ids must be an integer tensor \(torch.long\), got dtype torch.float32$"):
        check_ids_tensor("ids", torch.ones(2, 3))
    with pytest.raises(TypeError, match=r"^ids must be a signed integer tensor"):
        check_ids_tensor("ids", torch.ones(2, 3, dtype=torch.uint8), signed=True)
    with pytest.raises(ValueError, match=r"^ids must have shape \(batch, seq\), got shape \(3,\)$"):
        check_ids_tensor("ids", torch.ones(3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"^ids must have .*3 dimensions.*got shape \(3,\)$"):
        check_ids_tensor("ids", torch.ones(3, dtype=torch.long), dims=3)


def test_check_ids_in_range():
    ids = torch.tensor([[0, 4]])
    assert check_ids_in_range("ids", ids, 5) is ids
    assert check_ids_in_range("ids", torch.zeros(0, 3, dtype=torch.long), 1).numel() == 0
    with pytest.raises(ValueError, match=r"^ids must lie in \[0, vocab_size=4\), got values from 0 to 4$"):
        check_ids_in_range("ids", ids, 4)
    with pytest.raises(ValueError, match=r"^ids must lie in \[0, n=9\), got values from -1 to 2$"):
        check_ids_in_range("ids", torch.tensor([-1, 2]), 9, size_name="n")
