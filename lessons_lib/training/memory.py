"""Memory and size: parameters counted, resident memory read, freed memory handed back."""

from __future__ import annotations

import ctypes
import functools
import gc
import os
import sys
from pathlib import Path

import torch
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


def release_memory(caches: bool = False) -> float | None:
    """Collect garbage and hand memory that Python has freed back to the operating system.

    The C allocator keeps freed blocks for later reuse, so a process's memory only grows; after a
    big step (fine-tuning, a large model) this returns the unused part (glibc, i.e. Linux and
    Binder; elsewhere it only collects garbage), and the work buffers that the matrix library
    inside PyTorch's x86 build (MKL) keeps between products. With ``caches``, lessons_lib's own
    caches (the corpus, tokenizer tables) are emptied first: the next call reads them again.
    Returns the resident memory afterwards in MB.
    """
    if not isinstance(caches, bool):
        raise TypeError(f"caches must be True or False, got {caches!r}")
    if caches:
        for cache in _lessons_lib_caches():
            cache.cache_clear()
    gc.collect()
    _free_mkl_buffers()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: macOS, Windows, musl
        pass
    return resident_memory_mb()


def mkl_buffers_mb() -> float | None:
    """Memory MKL holds in its buffers now, in MB; None where PyTorch was built without MKL."""
    library = _torch_cpu_library()
    if library is None or not hasattr(library, "mkl_serv_mem_stat"):
        return None
    library.mkl_serv_mem_stat.restype = ctypes.c_int64
    buffers = ctypes.c_int(0)
    return library.mkl_serv_mem_stat(ctypes.byref(buffers)) / 2**20


def release_notebook_memory() -> None:
    """A notebook's last cell: delete every variable of the notebook (IPython's ``%reset -f``, which
    also drops its record of past outputs), empty lessons_lib's caches and hand the freed memory
    back, printing what the kernel holds before and after. The imported libraries stay loaded
    until the kernel is shut down."""
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython is not None else None
    if shell is None:
        raise RuntimeError("release_notebook_memory deletes a notebook's variables: call it in a "
                           "notebook's kernel (IPython), not in a script")
    print(f"this kernel holds {resident_memory_mb():,.0f} MiB")
    shell.run_line_magic("reset", "-f")
    print(f"after deleting every variable: {release_memory(caches=True):,.0f} MiB")
    print("Closing this kernel (File > Close and Shut Down Notebook) frees the rest.")


def _lessons_lib_caches() -> list:
    """Every ``functools.cache``/``lru_cache`` at the top level of a loaded lessons_lib module."""
    found = {}
    for name, module in list(sys.modules.items()):
        if name == "lessons_lib" or name.startswith("lessons_lib."):
            for value in list(vars(module).values()):
                if isinstance(value, functools._lru_cache_wrapper):
                    found[id(value)] = value
    return list(found.values())


def _torch_cpu_library() -> ctypes.CDLL | None:
    """PyTorch's CPU library, already loaded by ``import torch`` (Linux); None elsewhere."""
    path = Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"
    try:
        return ctypes.CDLL(str(path)) if path.is_file() else None
    except OSError:
        return None


def _free_mkl_buffers() -> None:
    # MKL, linked into PyTorch's x86 CPU build, keeps each thread's matrix-product buffers for the
    # next product (tens of MB after training); they are allocated again when needed.
    library = _torch_cpu_library()
    if library is not None and hasattr(library, "mkl_serv_free_buffers"):
        library.mkl_serv_free_buffers()
