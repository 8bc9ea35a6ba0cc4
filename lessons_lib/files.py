"""Writing files whole or not at all, with one clear error when the disk is full or the folder read-only.

A file is written under a temporary name beside its destination and renamed onto it only when
complete, so a reader (or a run killed half-way) sees the old file or the new one, never half of
one. A failed write removes its temporary file and raises one ``OSError`` naming the folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# torch.save reports a failed write as a RuntimeError from its zip writer (inline_container.cc).
_TORCH_WRITE_FAILED = ("PytorchStreamWriter", "inline_container", "file write failed")


def default_mode() -> int:
    """The permission bits ``open()`` gives a new file (0o644 under the usual umask 022)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_failed(folder: str | Path, err: BaseException) -> OSError:
    """One-line ``OSError`` for a write into ``folder`` that failed (full disk, read-only, no such folder)."""
    if isinstance(err, OSError):
        reason = err.strerror or str(err)
    else:  # torch's zip writer names no cause, only its own file offsets
        reason = "the write failed part-way"
    return OSError(f"cannot write into {folder}: {reason}; free some disk space or make the folder "
                   "writable (or choose another folder), then try again")


def is_write_error(err: BaseException) -> bool:
    """Whether ``err`` is a failed write: an ``OSError``, or torch.save's ``RuntimeError`` for one."""
    return isinstance(err, OSError) or (isinstance(err, RuntimeError)
                                        and any(mark in str(err) for mark in _TORCH_WRITE_FAILED))


@contextmanager
def writing_into(folder: str | Path, *leftovers: Path) -> Iterator[None]:
    """Turn a failed write inside the block into ``write_failed(folder)``, removing ``leftovers`` first."""
    try:
        yield
    except (OSError, RuntimeError) as err:
        if not is_write_error(err):
            raise
        for path in leftovers:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise write_failed(folder, err) from None


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> Path:
    """``write(temporary)`` beside ``path``, then one rename onto ``path``; nothing is left on failure."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with writing_into(path.parent, partial):
        write(partial)
        os.chmod(partial, default_mode())  # some writers (safetensors) make their files 0600
        os.replace(partial, path)  # readers see the old file or the new one, never half of one
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    """``text`` written to ``path`` (UTF-8) whole or not at all."""
    return write_atomic(path, lambda partial: partial.write_text(text, encoding="utf-8"))
