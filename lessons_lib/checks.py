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


def _as_int(value: Any) -> int | None:
    """``value`` as an int if it is one (Python, NumPy, 0-d integer tensor), else None; bools are not ints."""
    if type(value) is int:  # the common case first: token ids are checked by the million
        return value
    if isinstance(value, bool) or type(value).__name__ == "bool_" or getattr(value, "dtype", None) == torch.bool:
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _plain_ints(values: list | tuple) -> bool:
    """Whether every item is a Python int (not a bool): the usual case, checked without a Python loop."""
    return set(map(type, values)) <= {int}


def check_token_ids(name: str, value: Any) -> list[int]:
    """A list (or tuple) of token ids: ints >= 0 (NumPy ints too), returned as a list of Python ints."""
    if not isinstance(value, list | tuple):
        raise TypeError(f"{name} must be a list of token ids (ints >= 0), got {type(value).__name__}")
    if _plain_ints(value) and (not value or min(value) >= 0):
        return list(value)
    ids = []
    for i, item in enumerate(value):
        number = _as_int(item)
        if number is None:
            raise TypeError(f"{name} must be a list of token ids (ints >= 0), item {i} is {item!r}")
        if number < 0:
            raise ValueError(f"{name} must be a list of token ids (ints >= 0), item {i} is {number}")
        ids.append(number)
    return ids


def check_id_sequence(name: str, value: Any, size: int, size_name: str = "vocab_size") -> list[int]:
    """One sequence of ids in ``[0, size)``: a list, tuple, 1-D array or tensor of ints (not bools, not a str)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of token ids (ints), got {type(value).__name__}")
    if getattr(value, "ndim", 1) != 1:
        raise ValueError(f"{name} must be one sequence of ids (1-D), got shape {tuple(value.shape)}: "
                         "decode one row at a time")
    if isinstance(value, list | tuple) and _plain_ints(value) and (not value or (min(value) >= 0 and max(value) < size)):
        return list(value)
    ids = []
    for i, item in enumerate(value):
        number = _as_int(item)
        if number is None:
            raise TypeError(f"{name} must be a list of token ids (ints), item {i} is {item!r}")
        if not 0 <= number < size:
            raise ValueError(f"{name} must be ints in [0, {size_name}={size}), item {i} is {number}")
        ids.append(number)
    return ids


def check_labels(name: str, labels: Any, count: int, num_labels: int | None = None,
                 what: str = "texts") -> list[int]:
    """``count`` class labels (one per item of ``what``): ints in ``[0, num_labels)``; a list, array or 1-D tensor."""
    if isinstance(labels, str | bytes) or not isinstance(labels, Iterable) or getattr(labels, "ndim", 1) != 1:
        raise TypeError(f"{name} must be a list of class labels (ints), got {type(labels).__name__}")
    allowed = f"ints in [0, {num_labels})" if num_labels is not None else "ints >= 0"
    values = []
    for i, item in enumerate(labels):
        number = _as_int(item)
        if number is None:
            raise TypeError(f"{name} must be {allowed}, item {i} is {item!r}")
        if number < 0 or (num_labels is not None and number >= num_labels):
            raise ValueError(f"{name} must be {allowed} (one per class), item {i} is {number}")
        values.append(number)
    if len(values) != count:
        raise ValueError(f"{name} must hold one label per item of {what}: {count} {what}, {len(values)} labels")
    return values


def check_mask(name: str, mask: Any, like: Tensor, *, what: str = "input_ids") -> Tensor:
    """A 0/1 mask (bool, int or float tensor) shaped like ``like``; one pass over it, so at entry points only."""
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of 0s and 1s shaped like {what}, got {type(mask).__name__}")
    if mask.shape != like.shape:
        raise ValueError(f"{name} must be shaped like {what} {tuple(like.shape)}, got {tuple(mask.shape)}")
    if mask.dtype != torch.bool and not bool(((mask == 0) | (mask == 1)).all()):
        bad = mask[(mask != 0) & (mask != 1)]
        raise ValueError(f"{name} must hold only 0 (padding) and 1 (a real token), got {bad.flatten()[0].item()!r}")
    return mask


def check_path(name: str, value: Any) -> Any:
    """A file or folder path: a str or an ``os.PathLike`` (not None, not a number)."""
    if not isinstance(value, str) and not hasattr(value, "__fspath__"):
        raise TypeError(f"{name} must be a path (a str or a pathlib.Path), got {type(value).__name__} {value!r}")
    return value


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
