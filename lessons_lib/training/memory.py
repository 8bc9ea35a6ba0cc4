"""Memory and size: parameters counted, resident memory read, freed memory handed back."""

from __future__ import annotations

import ctypes
import gc
import os
from pathlib import Path

from torch import nn


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (shared ones, such as tied embeddings, counted once)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def resident_memory_mb() -> float | None:
    """This process's resident memory in MB (Linux); None where /proc is not available."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def release_memory() -> float | None:
    """Collect garbage and hand memory that Python has freed back to the operating system.

    The C allocator keeps freed blocks for later reuse, so a process's memory only grows; after a
    big step (fine-tuning, a large model) this returns the unused part (glibc, i.e. Linux and
    Binder; elsewhere it only collects garbage). Returns the resident memory afterwards in MB.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: macOS, Windows, musl
        pass
    return resident_memory_mb()
