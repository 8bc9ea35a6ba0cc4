"""Reading Hugging Face checkpoints: a folder or a state dict in, our weight names out.

Every model's ``from_huggingface`` shares what is here: finding the files, translating Hugging
Face's weight names into ours (one table per model), and loading the translated weights with one
clear error when they do not fit the model.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from torch import Tensor, nn

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


# Hugging Face's model_type for each of our configs, and what loads it.
_HF_MODEL_TYPES = {"BertConfig": ("bert", "BertModel.from_huggingface"),
                   "GPTConfig": ("openai-gpt", "GPT.from_huggingface"),
                   "GPT2Config": ("gpt2", "GPT2.from_huggingface")}


def loader_for(directory: Path, settings: dict) -> str | None:
    """What loads a folder whose ``config.json`` holds ``settings``: a Hugging Face model's or a lessons_lib loader."""
    for model_type, loader in _HF_MODEL_TYPES.values():
        if settings.get("model_type") == model_type:
            return f"{loader}({str(directory)!r})"
    if "model_type" in settings:
        return None
    # Our checkpoints: each config's fields say the model; GPT and GPT-2 differ in their vocabulary files.
    if "type_vocab_size" in settings:
        name = "load_pretrained_bert"
    elif "cell_size" in settings:
        name = "load_pretrained_elmo"
    elif "max_len" in settings:
        name = "load_pretrained_gpt2" if (directory / "vocab.json").is_file() else "load_pretrained_gpt"
    else:
        return None
    return f"lessons_lib.{name}({str(directory)!r})"


def read_huggingface(source: str | Path | dict, config: Any, config_from_dict: Callable[[dict], Any]
                     ) -> tuple[dict[str, Tensor], Any]:
    """(state dict, config) from a Hugging Face folder (config.json + weights) or from a state dict."""
    if isinstance(source, dict):
        if config is None:
            raise ValueError("config is required when source is a state dict")
        return source, config
    if not isinstance(source, str | Path):
        raise TypeError(f"source must be a folder path or a state dict, got {type(source).__name__}")
    directory = Path(source)
    expected_type, _ = _HF_MODEL_TYPES.get(getattr(getattr(config_from_dict, "__self__", None), "__name__", ""),
                                           ("", ""))
    wanted = f"a Hugging Face {expected_type} folder".replace("  ", " ")
    if not directory.is_dir():
        raise FileNotFoundError(f"source {str(directory)!r} is not a directory")
    if not (directory / "config.json").is_file():
        raise FileNotFoundError(f"source {str(directory)!r} has no config.json")
    weights = next((directory / name for name in WEIGHT_FILES if (directory / name).is_file()), None)
    if weights is None:
        raise FileNotFoundError(f"source {str(directory)!r} has no model.safetensors")
    if config is None:
        path = directory / "config.json"
        try:
            settings = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"{path} is not valid JSON ({err}); expected {wanted}") from None
        if not isinstance(settings, dict):
            raise ValueError(f"{path} must hold a JSON object, got a {type(settings).__name__}; expected {wanted}")
        if settings.get("model_type", expected_type) != expected_type or (
                "model_type" not in settings and (directory / "metadata.json").is_file()):
            right = loader_for(directory, settings)
            what = (f"a Hugging Face {settings['model_type']} model" if "model_type" in settings
                    else "a lessons_lib checkpoint")
            raise ValueError(f"source {str(directory)!r} holds {what}, but {wanted} was expected"
                             + (f": load it with {right}" if right else ""))
        try:
            config = config_from_dict(settings)
        except KeyError as err:
            raise ValueError(f"{path} lacks {err.args[0]!r}, which {wanted}'s config.json holds") from None
        except (TypeError, ValueError) as err:
            raise ValueError(f"{path} does not describe {wanted} ({err})") from None
    try:
        if weights.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(weights)), config
        import torch

        return torch.load(weights, map_location="cpu", weights_only=True), config
    except (SafetensorError, RuntimeError, OSError, ValueError, EOFError, pickle.UnpicklingError) as err:
        raise ValueError(f"{weights} is not a readable weights file ({str(err).splitlines()[0][:160]}); "
                         f"download {wanted} again") from None


def load_mapped(model: nn.Module, state: dict[str, Tensor]) -> None:
    """Load weights already renamed to ``model``'s names; every name and shape must fit exactly."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(f"weights do not fit this model: missing {missing[:5]}, unexpected {unexpected[:5]}")
    for name, tensor in state.items():
        if tensor.shape != expected[name].shape:
            raise ValueError(f"weight {name!r} has shape {tuple(tensor.shape)}, the model expects "
                             f"{tuple(expected[name].shape)}")
    model.load_state_dict(state)


# --- BERT -------------------------------------------------------------------------------------
# Hugging Face name piece -> ours, applied to the part after "encoder.layer.N." or the prefix.
_LAYER_NAMES = {
    "attention.self.query": "attention.query",
    "attention.self.key": "attention.key",
    "attention.self.value": "attention.value",
    "attention.output.dense": "attention.output",
    "attention.output.LayerNorm": "attention_norm",
    "intermediate.dense": "feed_forward.up",
    "output.dense": "feed_forward.down",
    "output.LayerNorm": "feed_forward_norm",
}
_TOP_NAMES = {
    "embeddings.word_embeddings": "embeddings.token",
    "embeddings.token_type_embeddings": "embeddings.segment",
    "embeddings.position_embeddings": "embeddings.position",
    "embeddings.LayerNorm": "embeddings.norm",
    "pooler.dense": "pooler",
    "cls.predictions.transform.dense": "heads.transform",
    "cls.predictions.transform.LayerNorm": "heads.transform_norm",
    "cls.predictions.decoder": "heads.decoder",
    "cls.seq_relationship": "heads.nsp",
}


def bert_names(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Hugging Face BERT weight names -> ours (``BertModel`` names, and ``heads.*`` for the pre-training heads)."""
    mapped = {}
    for name, tensor in state.items():
        name = name.removeprefix("bert.").replace(".gamma", ".weight").replace(".beta", ".bias")
        if name in ("embeddings.position_ids", "cls.predictions.decoder.bias"):
            continue  # a buffer we recompute; the decoder's bias duplicates cls.predictions.bias
        if name == "cls.predictions.bias":
            mapped["heads.decoder.bias"] = tensor
            continue
        stem, _, leaf = name.rpartition(".")
        if stem.startswith("encoder.layer."):
            _, _, index, rest = stem.split(".", 3)
            if rest not in _LAYER_NAMES:
                raise ValueError(f"state dict has an unexpected key {name!r}")
            mapped[f"layers.{index}.{_LAYER_NAMES[rest]}.{leaf}"] = tensor
        elif stem in _TOP_NAMES:
            mapped[f"{_TOP_NAMES[stem]}.{leaf}"] = tensor
        else:
            raise ValueError(f"state dict has an unexpected key {name!r}")
    return mapped


# --- GPT ----------------------------------------------------------------------------------------
# OpenAI GPT stores its linear layers as Conv1D: weight (in, out), the transpose of nn.Linear's.
_GPT_LAYER_NAMES = {
    "attn.c_proj": "attention.output",
    "ln_1": "attention_norm",
    "mlp.c_fc": "feed_forward.up",
    "mlp.c_proj": "feed_forward.down",
    "ln_2": "feed_forward_norm",
}
_GPT_CONV1D = ("attn.c_proj", "mlp.c_fc", "mlp.c_proj")


def gpt_names(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Hugging Face OpenAI GPT weight names -> ours (``GPTModel`` names, ``head.*`` for the multiple-choice head)."""
    mapped, tied = {}, None
    for name, tensor in state.items():
        name = name.removeprefix("transformer.")
        if name == "position_ids" or name.endswith(".attn.bias"):
            continue  # buffers we recompute
        if name == "lm_head.weight":  # tied to the token embeddings: a file may keep only one of the two
            tied = tensor
            continue
        if name == "tokens_embed.weight":
            mapped["token.weight"] = tensor
        elif name == "positions_embed.weight":
            mapped["position.weight"] = tensor
        elif name.startswith("multiple_choice_head.summary."):
            mapped["head." + name.rpartition(".")[2]] = tensor
        elif name.startswith("h."):
            _block_names(name, tensor, mapped)
        else:
            raise ValueError(f"state dict has an unexpected key {name!r}")
    return _with_tied_output(mapped, tied)


def _with_tied_output(mapped: dict[str, Tensor], tied: Tensor | None) -> dict[str, Tensor]:
    """A file that kept only the output layer (tied to the token embeddings) still gives ``token.weight``."""
    if tied is not None:
        mapped.setdefault("token.weight", tied)
    return mapped


def _block_names(name: str, tensor: Tensor, mapped: dict[str, Tensor]) -> None:
    """One weight of block ``h.N`` (GPT and GPT-2 name their blocks alike) into ``mapped``, in our names."""
    _, index, rest = name.split(".", 2)
    stem, _, leaf = rest.rpartition(".")
    if stem == "attn.c_attn":  # query, key and value fused side by side: split them
        for part, piece in zip(("query", "key", "value"), tensor.chunk(3, dim=-1), strict=True):
            mapped[f"layers.{index}.attention.{part}.{leaf}"] = piece.T.contiguous() if leaf == "weight" \
                else piece.contiguous()
    elif stem in _GPT_LAYER_NAMES:
        conv = stem in _GPT_CONV1D and leaf == "weight"
        mapped[f"layers.{index}.{_GPT_LAYER_NAMES[stem]}.{leaf}"] = tensor.T.contiguous() if conv else tensor
    else:
        raise ValueError(f"state dict has an unexpected key {name!r}")


# --- GPT-2 --------------------------------------------------------------------------------------
# The blocks are named as GPT's (Conv1D weights, fused query/key/value); the rest differs.
_GPT2_TOP_NAMES = {"wte.weight": "token.weight", "wpe.weight": "position.weight",
                   "ln_f.weight": "final_norm.weight", "ln_f.bias": "final_norm.bias"}


def gpt2_names(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Hugging Face GPT-2 weight names (``GPT2LMHeadModel`` or ``GPT2Model``) -> ours (``GPT2`` names)."""
    mapped, tied = {}, None
    for name, tensor in state.items():
        name = name.removeprefix("transformer.")
        if name.endswith((".attn.bias", ".attn.masked_bias")):
            continue  # the look-ahead mask and its fill value, stored as buffers by older checkpoints
        if name == "lm_head.weight":  # tied to the token embeddings: a file may keep only one of the two
            tied = tensor
        elif name in _GPT2_TOP_NAMES:
            mapped[_GPT2_TOP_NAMES[name]] = tensor
        elif name.startswith("h."):
            _block_names(name, tensor, mapped)
        else:
            raise ValueError(f"state dict has an unexpected key {name!r}")
    return _with_tied_output(mapped, tied)
