"""Files written whole or not at all (lessons_lib/files.py)."""

import os
import stat

import pytest

from lessons_lib.files import (
    default_mode,
    is_write_error,
    write_atomic,
    write_failed,
    write_text_atomic,
)


def test_a_written_file_has_the_default_mode_and_no_partial_left(tmp_path):
    path = write_text_atomic(tmp_path / "vocab.txt", "a\nb\n")
    assert path.read_text() == "a\nb\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == default_mode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vocab.txt"]


def test_a_writer_that_makes_its_file_private_still_gives_the_default_mode(tmp_path):
    def private(partial):
        partial.write_text("x")
        os.chmod(partial, 0o600)

    assert stat.S_IMODE(os.stat(write_atomic(tmp_path / "m.bin", private)).st_mode) == default_mode()


def test_a_failed_write_keeps_the_old_file_and_names_the_folder(tmp_path):
    old = write_text_atomic(tmp_path / "vocab.txt", "old")

    def half_then_fail(partial):
        partial.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match=f"cannot write into {tmp_path}: No space left on device"):
        write_atomic(old, half_then_fail)
    assert old.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vocab.txt"]


def test_other_errors_pass_through_unchanged(tmp_path):
    def bug(partial):
        raise RuntimeError("a bug, not a write")

    with pytest.raises(RuntimeError, match="a bug"):
        write_atomic(tmp_path / "x", bug)


def test_torch_zip_writer_failures_count_as_write_errors(tmp_path):
    assert is_write_error(RuntimeError("PytorchStreamWriter failed writing file data/0"))
    assert not is_write_error(RuntimeError("size mismatch"))
    assert "part-way" in str(write_failed(tmp_path, RuntimeError("inline_container.cc: file write failed")))
