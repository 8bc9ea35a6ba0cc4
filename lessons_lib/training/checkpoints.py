"""Checkpoints: a folder a student can read in a text editor, all but the weights.

A checkpoint folder holds ``model.safetensors`` (the weights), ``config.json`` (the model's
configuration, enough to rebuild it), any files the model needs besides (a vocabulary), and
``metadata.json`` (how it was made, what it scored, and the SHA-256 of every other file). A
checkpoint is written into a temporary folder beside its destination and renamed into place only
when complete, and checked against its SHA-256 sums when loaded, so a half-written or damaged one
is never loaded. The tiny BERT, ELMo, GPT and GPT-2 the notebooks use ship inside the package, in
``lessons_lib/checkpoints/bert-tiny``, ``elmo-tiny``, ``gpt-tiny`` and ``gpt2-tiny``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from lessons_lib.files import default_mode, writing_into
from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig
from lessons_lib.models.gpt import GPT, GPTConfig
from lessons_lib.models.gpt2 import GPT2, GPT2Config
from lessons_lib.models.huggingface import loader_for
from lessons_lib.tokenizers.bpe import ByteLevelBPE
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
SHIPPED = Path(str(files("lessons_lib"))) / "checkpoints"
SHIPPED_BERT = SHIPPED / "bert-tiny"
SHIPPED_GPT = SHIPPED / "gpt-tiny"
SHIPPED_ELMO = SHIPPED / "elmo-tiny"
SHIPPED_GPT2 = SHIPPED / "gpt2-tiny"


def _config_dict(config: Any) -> dict:
    if dataclasses.is_dataclass(config):
        return dataclasses.asdict(config)
    if isinstance(config, dict):
        return dict(config)
    raise TypeError(f"config must be a dataclass instance or a dict, got {type(config).__name__}")


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_checkpoint(directory: str | Path, model: nn.Module, config: Any, metadata: dict | None = None, *,
                    extra_files: Mapping[str, str | Path] | None = None) -> Path:
    """Write ``model``'s weights, its ``config``, ``extra_files`` (name -> source) and ``metadata`` into ``directory``.

    Everything is written into ``DIRECTORY.writing`` first, with the files' SHA-256 sums added to
    the metadata, and only the complete folder replaces ``directory``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    directory = Path(directory)
    config_text = json.dumps(_config_dict(config), indent=2) + "\n"
    sources = {name: Path(source) for name, source in (extra_files or {}).items()}
    for name, source in sources.items():
        if not source.is_file():
            raise FileNotFoundError(f"extra_files[{name!r}]: {source} is not a file")
    writing = directory.with_name(directory.name + ".writing")
    shutil.rmtree(writing, ignore_errors=True)  # left over from a save that was killed
    # A full disk or a read-only folder: one line naming the folder, and no half-written folder left.
    with writing_into(directory.parent, writing):
        writing.mkdir(parents=True)
        # Tied weights (e.g. BERT's MLM decoder and token embeddings) share storage; safetensors
        # refuses shared tensors, so each is stored as its own contiguous copy and re-tied on load.
        state = {name: t.detach().contiguous().clone() for name, t in model.state_dict().items()}
        save_file(state, str(writing / WEIGHTS_FILE))
        (writing / CONFIG_FILE).write_text(config_text, encoding="utf-8")
        for name, source in sources.items():
            shutil.copyfile(source, writing / name)
        sums = {p.name: sha256(p) for p in sorted(writing.iterdir())}
        meta = {**(metadata or {}), "sha256": sums}
        (writing / METADATA_FILE).write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
        for path in writing.iterdir():  # safetensors writes 0600; every file of a checkpoint gets the usual mode
            os.chmod(path, default_mode())
        _replace_folder(writing, directory)
    return directory


def _replace_folder(new: Path, directory: Path) -> None:
    # A rename cannot replace a non-empty folder: move the old one aside first, then drop it.
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        os.replace(directory, old)
    os.replace(new, directory)
    shutil.rmtree(old, ignore_errors=True)


def _advice(directory: Path, metadata: dict) -> str:
    if directory.resolve().is_relative_to(SHIPPED.resolve()):
        return "re-install the package (pip install --force-reinstall -e .) to restore it"
    command = metadata.get("command")
    return f"re-run the command that made it ({command})" if command else "re-create the checkpoint"


def _read_json(path: Path, directory: Path, what: str) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is damaged (not valid UTF-8 JSON: {err}); "
                         f"{_advice(directory, {})}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path} must hold a JSON object ({what}); {_advice(directory, {})}")
    return value


def load_checkpoint(directory: str | Path) -> tuple[dict[str, Tensor], dict, dict]:
    """Read and verify a checkpoint directory: (state_dict, config dict, metadata dict)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"directory {str(directory)!r} does not exist or is not a folder")
    if not (directory / METADATA_FILE).is_file() and (directory / CONFIG_FILE).is_file():
        settings = _read_json(directory / CONFIG_FILE, directory, "the model's configuration")
        if "model_type" in settings:
            right = loader_for(directory, settings)
            raise ValueError(f"directory {str(directory)!r} is a Hugging Face {settings['model_type']} folder, not a "
                             "lessons_lib checkpoint" + (f": load it with {right}" if right else ""))
    for name in (WEIGHTS_FILE, CONFIG_FILE, METADATA_FILE):
        if not (directory / name).is_file():
            raise FileNotFoundError(f"directory {str(directory)!r} has no {name}: the checkpoint is incomplete; "
                                    f"{_advice(directory, {})}")
    metadata = _read_json(directory / METADATA_FILE, directory, "how the checkpoint was made")
    sums = metadata.get("sha256")
    # Without its sums a damaged file would load unnoticed: the sums must be there, and cover weights and config.
    if (not isinstance(sums, dict) or not {WEIGHTS_FILE, CONFIG_FILE} <= set(sums)
            or not all(isinstance(v, str) and len(v) == 64 for v in sums.values())
            or any(Path(name).name != name for name in sums)):
        raise ValueError(f"{directory / METADATA_FILE} has no valid \"sha256\" block (a SHA-256 hex sum per file, "
                         f"{WEIGHTS_FILE} and {CONFIG_FILE} included), so the checkpoint cannot be checked; "
                         f"{_advice(directory, metadata)}")
    for name, expected in sums.items():
        path = directory / name
        if not path.is_file() or sha256(path) != expected:
            raise ValueError(f"{path} is {'missing' if not path.is_file() else 'damaged'} (its SHA-256 differs "
                             f"from the one in metadata.json); {_advice(directory, metadata)}")
    config = _read_json(directory / CONFIG_FILE, directory, "the model's configuration")
    try:
        state = load_file(str(directory / WEIGHTS_FILE))
    except SafetensorError as err:
        raise ValueError(f"{directory / WEIGHTS_FILE} is not a readable safetensors file ({err}); "
                         f"{_advice(directory, metadata)}") from None
    return state, config, metadata


def _load_model(directory: str | Path, build: Callable[[dict], nn.Module], kind: str, loader: str,
                load_tokenizer: Callable[[Path], Any], vocab_file: str = "vocab.txt") -> tuple[nn.Module, Any, dict]:
    """A checked checkpoint rebuilt as a model (``build(config)``) with its tokenizer, in eval mode."""
    directory = Path(directory)
    state, config, metadata = load_checkpoint(directory)
    right = loader_for(directory, config)
    if right is not None and not right.startswith(f"lessons_lib.{loader}("):
        raise ValueError(f"{directory} holds a checkpoint of another model, not {kind}: load it with {right}")
    try:
        model = build(config)
        model.load_state_dict(state)
    except (TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f"{directory / CONFIG_FILE} and {directory / WEIGHTS_FILE} do not fit {kind} model "
                         f"({str(err).splitlines()[0]}); {_advice(directory, metadata)}") from None
    tokenizer = load_tokenizer(directory)
    if tokenizer.vocab_size != model.config.vocab_size:
        raise ValueError(f"{directory / vocab_file} holds {tokenizer.vocab_size} tokens but config.json says "
                         f"vocab_size={model.config.vocab_size}; {_advice(directory, metadata)}")
    return model.eval(), tokenizer, metadata


def _wordpiece(directory: Path) -> WordPieceTokenizer:
    return WordPieceTokenizer.from_vocab_file(directory / "vocab.txt")


def _byte_level_bpe(directory: Path) -> ByteLevelBPE:
    return ByteLevelBPE.from_files(directory / "vocab.json", directory / "merges.txt")


def load_pretrained_bert(directory: str | Path = SHIPPED_BERT) -> tuple[BertForPreTraining, WordPieceTokenizer, dict]:
    """The shipped tiny BERT (or another checkpoint directory): model, its tokenizer, its metadata."""
    return _load_model(directory, lambda c: BertForPreTraining(BertConfig(**c)), "a BERT", "load_pretrained_bert", _wordpiece)


def load_pretrained_gpt(directory: str | Path = SHIPPED_GPT) -> tuple[GPT, WordPieceTokenizer, dict]:
    """The shipped tiny GPT (or another checkpoint directory): model, its tokenizer (the tiny BERT's), its metadata."""
    return _load_model(directory, lambda c: GPT(GPTConfig(**c)), "a GPT", "load_pretrained_gpt", _wordpiece)


def load_pretrained_gpt2(directory: str | Path = SHIPPED_GPT2) -> tuple[GPT2, ByteLevelBPE, dict]:
    """The shipped tiny GPT-2 (or another checkpoint directory): model, its byte-level BPE, its metadata."""
    return _load_model(directory, lambda c: GPT2(GPT2Config(**c)), "a GPT-2", "load_pretrained_gpt2",
                       _byte_level_bpe, "vocab.json")


def load_pretrained_elmo(directory: str | Path = SHIPPED_ELMO) -> tuple[ElmoBiLM, WordPieceTokenizer, dict]:
    """The shipped tiny ELMo (or another checkpoint directory): model, its output vocabulary (the tiny BERT's), metadata."""
    return _load_model(directory, lambda c: ElmoBiLM(ElmoConfig(**c)), "an ELMo", "load_pretrained_elmo", _wordpiece)
