"""lessons_lib.training.memory: parameters counted, resident memory read and handed back."""

import psutil
import pytest
import torch
from torch import nn

from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.training.memory import (
    count_parameters,
    mkl_buffers_mb,
    release_memory,
    release_notebook_memory,
    resident_memory_mb,
)


def test_count_parameters_counts_shared_weights_once_and_can_skip_frozen_ones():
    assert count_parameters(nn.Linear(3, 2)) == 3 * 2 + 2
    model = BertForPreTraining(BertConfig.tiny(100))
    tied = model.bert.embeddings.token.weight.numel()
    separate = sum(p.numel() for p in model.state_dict().values() if p.dtype.is_floating_point)
    assert count_parameters(model) == separate - tied  # the decoder shares the token embeddings
    model.bert.embeddings.requires_grad_(False)
    frozen = sum(p.numel() for p in model.bert.embeddings.parameters())
    assert count_parameters(model, trainable_only=True) == count_parameters(model) - frozen
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        count_parameters("model")


def test_resident_memory_agrees_with_psutil():
    measured = resident_memory_mb()
    assert measured == pytest.approx(psutil.Process().memory_info().rss / 2**20, abs=20)


def test_release_memory_returns_freed_memory_to_the_system():
    before = release_memory()
    blocks = [torch.ones(100, 100) for _ in range(6000)]  # 240 MB in 40 kB blocks, below the mmap size
    del blocks
    after = release_memory()
    assert before is not None and after is not None  # Linux: /proc is there
    assert resident_memory_mb() == pytest.approx(after, abs=50)
    assert after < before + 100  # the 240 MB went back, not kept by the allocator


def test_release_memory_empties_lessons_libs_caches_only_when_asked():
    from lessons_lib.tokenizers.byte_level import bytes_to_unicode

    bytes_to_unicode()
    assert bytes_to_unicode.cache_info().currsize == 1
    release_memory()  # mid-notebook: the corpus and tokenizer tables stay cached
    assert bytes_to_unicode.cache_info().currsize == 1
    release_memory(caches=True)  # a notebook's last cell
    assert bytes_to_unicode.cache_info().currsize == 0
    with pytest.raises(TypeError, match="caches must be True or False, got 'yes'"):
        release_memory(caches="yes")


def test_release_memory_hands_back_mkl_buffers():
    if mkl_buffers_mb() is None:
        pytest.skip("this PyTorch build has no MKL (not an x86 build)")
    a = torch.randn(1000, 1000)
    (a @ a).sum()  # a float32 product large enough for MKL to allocate its packing buffers
    assert mkl_buffers_mb() > 1
    release_memory()
    assert mkl_buffers_mb() == 0


def test_release_notebook_memory_refuses_to_run_outside_a_notebook():
    with pytest.raises(RuntimeError, match="call it in a notebook's kernel"):
        release_notebook_memory()


def test_release_notebook_memory_deletes_the_notebooks_variables(tmp_path):
    # In a real kernel: a variable holding 200 MB is gone after the call, and so is its memory.
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "import torch\nbig = torch.ones(50_000_000)  # 200 MB",
        "from lessons_lib.training import release_notebook_memory\nrelease_notebook_memory()",
        "print('big' in globals())",
    )])
    NotebookClient(notebook, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(output.get("text", "") for output in notebook.cells[1].outputs)
    before, after, closing = printed.splitlines()
    held = lambda line: float(line.rsplit(" ", 2)[1].replace(",", ""))  # noqa: E731
    assert before.startswith("this kernel holds") and after.startswith("after deleting every variable")
    assert held(after) < held(before) - 150 and "Close and Shut Down" in closing
    assert notebook.cells[2].outputs[0].text.strip() == "False"


def test_every_notebook_ends_by_releasing_its_memory():
    # A kernel left open after a notebook holds what its last cell could not free; every notebook
    # ends with the same call, so that figure is the libraries', not the notebook's variables.
    from pathlib import Path

    import nbformat

    notebooks = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 8
    for path in notebooks:
        last = nbformat.read(path, as_version=4).cells[-1]
        assert last.cell_type == "code", path.name
        assert last.source.splitlines()[-1] == "release_notebook_memory()", path.name
