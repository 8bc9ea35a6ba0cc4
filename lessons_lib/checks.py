"""Argument checks shared by every public entry point: one clear error that names the argument.

Each check returns the value (converted where that is harmless, e.g. a NumPy int to ``int``) or
raises a ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong value) whose
message starts with the argument's name and says what is allowed. Models do not call these in
``forward``: they check inputs at the entry points (data, tokenizers, configs, the CLI, widgets).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import Tensor

_INT_DTYPES = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)


def _range_text(low: float | None, high: float | None, low_open: bool = False, high_open: bool = False) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]`` (Python, NumPy and 0-d torch ints pass; bools and floats do not)."""
    allowed = f"an int {_range_text(low, high)}".rstrip()
    if isinstance(value, bool):
        raise TypeError(f"{name} must be {allowed}, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be {allowed}, got {type(value).__name__} {value!r}") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{name} must be {allowed}, got {number}")
    return number


def check_number(name: str, value: Any, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite float within the bounds (open or closed at each end)."""
    allowed = f"a number {_range_text(low, high, low_open, high_open)}".rstrip()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be {allowed}, got {type(value).__name__} {value!r}")
    number = float(value)
    if (not math.isfinite(number)
            or (low is not None and (number <= low if low_open else number < low))
            or (high is not None and (number >= high if high_open else number > high))):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return number


def check_probability(name: str, value: Any) -> float:
    """A probability in [0, 1]."""
    return check_number(name, value, low=0.0, high=1.0)


def check_bool(name: str, value: Any) -> bool:
    """Exactly ``True`` or ``False`` (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def check_type(name: str, value: Any, kind: type | tuple[type, ...], what: str | None = None) -> Any:
    """``value`` if it is an instance of ``kind``; ``what`` describes the allowed kind in the message."""
    if not isinstance(value, kind):
        if what is None:
            kinds = kind if isinstance(kind, tuple) else (kind,)
            what = "a " + " or ".join(k.__name__ for k in kinds)
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}")
    return value


def check_choice(name: str, value: Any, choices: Sequence) -> Any:
    """``value`` if it is one of ``choices``."""
    if not isinstance(value, str | int | float | bool | None) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_strings(name: str, value: Any, *, non_empty: bool = True) -> list[str]:
    """A list (or tuple) of strings, not one string; with ``non_empty``, at least one."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of strings, got {type(value).__name__}")
    items = list(value)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"{name} must be a list of strings, item {i} is {type(item).__name__} {item!r}")
    if non_empty and not items:
        raise ValueError(f"{name} must not be empty")
    return items


def check_token_ids(name: str, value: Any) -> list[int]:
    """A list (or tuple) of token ids: ints >= 0."""
    if not isinstance(value, list | tuple):
        raise TypeError(f"{name} must be a list of token ids (ints >= 0), got {type(value).__name__}")
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int):
            raise TypeError(f"{name} must be a list of token ids (ints >= 0), item {i} is {item!r}")
        if item < 0:
            raise ValueError(f"{name} must be a list of token ids (ints >= 0), item {i} is {item}")
    return list(value)


def check_ids_tensor(name: str, value: Any, *, dims: int = 2, signed: bool = False) -> Tensor:
    """An integer tensor of ``dims`` dimensions, e.g. token ids (batch, seq)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of integer token ids, got {type(value).__name__}")
    allowed = _INT_DTYPES[:4] if signed else _INT_DTYPES
    if value.dtype not in allowed:
        kind = "a signed integer tensor (torch.long)" if signed else "an integer tensor (torch.long)"
        raise TypeError(f"{name} must be {kind}, got dtype {value.dtype}")
    if value.dim() != dims:
        shape = "shape (batch, seq)" if dims == 2 else f"{dims} dimensions"
        raise ValueError(f"{name} must have {shape}, got shape {tuple(value.shape)}")
    return value


def check_ids_in_range(name: str, ids: Tensor, size: int, size_name: str = "vocab_size") -> Tensor:
    """Every id in ``[0, size)``; the scan costs a pass over the tensor, so call it at entry points only."""
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= size):
        raise ValueError(f"{name} must lie in [0, {size_name}={size}), "
                         f"got values from {int(ids.min())} to {int(ids.max())}")
    return ids


def check_heads(hidden_size: Any, num_heads: Any) -> tuple[int, int]:
    """Positive ``hidden_size`` and ``num_heads``, the width split evenly between the heads."""
    hidden_size, num_heads = check_int("hidden_size", hidden_size, low=1), check_int("num_heads", num_heads, low=1)
    if hidden_size % num_heads:
        raise ValueError(f"hidden_size ({hidden_size}) must be a multiple of num_heads ({num_heads})")
    return hidden_size, num_heads
