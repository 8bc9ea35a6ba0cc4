"""BERT: embeddings, a bidirectional Transformer encoder, and the heads on top.

Three modules, bottom to top: the embedding layer sums token, segment and position embeddings;
the encoder stacks post-LayerNorm Transformer blocks that see the whole sequence (padding mask
only, no look-ahead mask); the heads predict masked tokens (MLM), whether sentence B follows
sentence A (NSP), or a label for the whole sequence from the [CLS] position.

Weight names differ from Hugging Face's, so ``from_huggingface`` maps them; the equivalence with
``transformers.BertModel`` on shared weights is tested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import NamedTuple

import torch
from torch import Tensor, nn

from lessons_lib.attention import padding_mask
from lessons_lib.transformer import ACTIVATIONS, TransformerBlock


@dataclass
class BertConfig:
    """Every size of a BERT model in one place."""

    vocab_size: int = 30522  # number of WordPiece tokens
    hidden_size: int = 768  # width of every token vector (H)
    num_layers: int = 12  # encoder blocks stacked (L)
    num_heads: int = 12  # attention heads per block (A); hidden_size must divide evenly
    intermediate_size: int = 3072  # width inside the feed-forward network (4 H in BERT)
    max_position_embeddings: int = 512  # longest input: one learned vector per position
    type_vocab_size: int = 2  # segments: 0 for sentence A (and [CLS]), 1 for sentence B
    dropout: float = 0.1  # dropout on embeddings and on each sub-block's output
    attention_dropout: float = 0.1  # dropout on the attention weights
    layer_norm_eps: float = 1e-12  # LayerNorm's epsilon, as in the released checkpoints
    pad_token_id: int = 0  # id of [PAD]
    activation: str = "gelu"  # feed-forward activation (exact GELU, as BERT)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "int" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                if not (f.name == "pad_token_id" and isinstance(value, int) and value >= 0):
                    raise ValueError(f"{f.name} must be a positive int, got {value!r}")
            if f.type == "float" and (isinstance(value, bool) or not isinstance(value, int | float)
                                      or not 0.0 <= value < 1.0):
                raise ValueError(f"{f.name} must be a number in [0, 1), got {value!r}")
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size ({self.hidden_size}) must be a multiple of num_heads ({self.num_heads})")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}")
        if self.pad_token_id >= self.vocab_size:
            raise ValueError(f"pad_token_id must be < vocab_size, got {self.pad_token_id}")

    @classmethod
    def base(cls) -> BertConfig:
        """BERT-base: L=12, H=768, A=12 (about 110M parameters)."""
        return cls()

    @classmethod
    def large(cls) -> BertConfig:
        """BERT-large: L=24, H=1024, A=16 (about 340M parameters)."""
        return cls(hidden_size=1024, num_layers=24, num_heads=16, intermediate_size=4096)

    @classmethod
    def tiny(cls, vocab_size: int) -> BertConfig:
        """Our CPU-sized BERT: L=4, H=128, A=4, inputs up to 128 tokens."""
        return cls(vocab_size=vocab_size, hidden_size=128, num_layers=4, num_heads=4,
                   intermediate_size=512, max_position_embeddings=128)

    @classmethod
    def from_huggingface(cls, hf: dict) -> BertConfig:
        """Translate a Hugging Face BERT ``config.json`` dict."""
        if hf.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only absolute position embeddings are supported")
        return cls(
            vocab_size=hf["vocab_size"], hidden_size=hf["hidden_size"], num_layers=hf["num_hidden_layers"],
            num_heads=hf["num_attention_heads"], intermediate_size=hf["intermediate_size"],
            max_position_embeddings=hf["max_position_embeddings"], type_vocab_size=hf["type_vocab_size"],
            dropout=hf.get("hidden_dropout_prob", 0.1), attention_dropout=hf.get("attention_probs_dropout_prob", 0.1),
            layer_norm_eps=hf.get("layer_norm_eps", 1e-12), pad_token_id=hf.get("pad_token_id") or 0,
            activation=hf.get("hidden_act", "gelu"),
        )


class BertOutput(NamedTuple):
    """What ``BertModel`` returns when asked for more than the final hidden states.

    ``BertModel(...)(ids, output_hidden_states=True, output_attentions=True)`` (or ``return_all=True``,
    which asks for both) returns one; the field not asked for is ``None``.
    """

    last_hidden_state: Tensor  # (B, T, H) final vector of every token
    pooled: Tensor  # (B, H) tanh(dense([CLS] vector)), the NSP head's input
    hidden_states: tuple[Tensor, ...] | None  # embeddings' output, then every block's: L + 1 of (B, T, H)
    attentions: tuple[Tensor, ...] | None  # every block's attention weights: L of (B, heads, T, T)


class BertEmbeddings(nn.Module):
    """Token + segment + position embeddings, summed, then LayerNorm and dropout."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.token = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.segment = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.position = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.dropout)

    def parts(self, input_ids: Tensor, token_type_ids: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The three embeddings separately, each (B, T, H), for pictures."""
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)  # (T,)
        return self.token(input_ids), self.segment(token_type_ids), self.position(positions)[None].expand(
            input_ids.shape[0], -1, -1)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor) -> Tensor:
        """(B, T) ids and segments -> (B, T, H)."""
        token, segment, position = self.parts(input_ids, token_type_ids)
        return self.dropout(self.norm(token + segment + position))


class BertModel(nn.Module):
    """The bidirectional encoder: embeddings, then ``num_layers`` post-LN blocks, plus the pooler."""

    def __init__(self, config: BertConfig):
        super().__init__()
        if not isinstance(config, BertConfig):
            raise TypeError(f"config must be a BertConfig, got {type(config).__name__}")
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.layers = nn.ModuleList(
            TransformerBlock(config.hidden_size, config.num_heads, config.intermediate_size, config.dropout,
                             config.attention_dropout, config.activation, config.layer_norm_eps, norm_first=False)
            for _ in range(config.num_layers)
        )
        self.pooler = nn.Linear(config.hidden_size, config.hidden_size)
        self.apply(_init_weights)

    def check_inputs(self, input_ids: Tensor, token_type_ids: Tensor | None, attention_mask: Tensor | None
                     ) -> tuple[Tensor, Tensor]:
        """Validate the three input tensors; fill in the defaults (segment 0, no padding)."""
        if not isinstance(input_ids, Tensor) or input_ids.dtype not in (torch.long, torch.int, torch.int16):
            raise TypeError("input_ids must be an integer torch.Tensor of shape (batch, seq)")
        if input_ids.dim() != 2:
            raise ValueError(f"input_ids must have shape (batch, seq), got {tuple(input_ids.shape)}")
        if input_ids.shape[1] > self.config.max_position_embeddings:
            raise ValueError(f"input_ids has {input_ids.shape[1]} positions; this model takes at most "
                             f"{self.config.max_position_embeddings} (truncate the text first)")
        if input_ids.numel() and (input_ids.min() < 0 or input_ids.max() >= self.config.vocab_size):
            raise ValueError(f"input_ids must lie in [0, vocab_size={self.config.vocab_size})")
        for name, given in (("token_type_ids", token_type_ids), ("attention_mask", attention_mask)):
            if given is not None and given.shape != input_ids.shape:
                raise ValueError(f"{name} shape {tuple(given.shape)} must equal input_ids shape "
                                 f"{tuple(input_ids.shape)}")
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        elif token_type_ids.numel() and (token_type_ids.min() < 0 or token_type_ids.max() >= self.config.type_vocab_size):
            raise ValueError(f"token_type_ids must lie in [0, {self.config.type_vocab_size})")
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        return token_type_ids, attention_mask

    def forward(
        self,
        input_ids: Tensor,
        token_type_ids: Tensor | None = None,
        attention_mask: Tensor | None = None,
        *,
        output_hidden_states: bool = False,
        output_attentions: bool = False,
        return_all: bool = False,
    ) -> Tensor | BertOutput:
        """(B, T) token ids [, segments, 1/0 padding mask] -> final hidden states (B, T, H).

        By default the result is one tensor. With ``output_hidden_states`` and/or
        ``output_attentions`` (``return_all=True`` sets both) it is a ``BertOutput`` that also holds
        the pooled [CLS] vector, every layer's output and/or every layer's attention weights.
        """
        token_type_ids, attention_mask = self.check_inputs(input_ids, token_type_ids, attention_mask)
        want_states, want_weights = output_hidden_states or return_all, output_attentions or return_all
        mask = padding_mask(attention_mask)  # (B, 1, 1, T): every token sees every real token
        x = self.embeddings(input_ids, token_type_ids)  # (B, T, H)
        hidden_states, attentions = [x], []
        for layer in self.layers:
            if want_weights:  # the explicit softmax path, slower than the fused kernel
                x, weights = layer(x, mask, return_weights=True)
                attentions.append(weights)
            else:
                x = layer(x, mask)
            hidden_states.append(x)
        if not (want_states or want_weights):
            return x
        return BertOutput(x, self.pool(x), tuple(hidden_states) if want_states else None,
                          tuple(attentions) if want_weights else None)

    def pool(self, hidden: Tensor) -> Tensor:
        """(B, T, H) final states -> (B, H) pooled [CLS] vector."""
        return torch.tanh(self.pooler(hidden[:, 0]))

    @classmethod
    def from_huggingface(cls, source: str | Path | dict, config: BertConfig | None = None) -> BertModel:
        """Load Hugging Face BERT weights: a directory (config.json + model.safetensors) or a state dict."""
        state, config = _read_huggingface(source, config)
        model = cls(config)
        _load_mapped(model, {k: v for k, v in _map_names(state).items() if not k.startswith("heads.")})
        return model.eval()


class BertPreTrainingHeads(nn.Module):
    """The MLM head (transform, then scores tied to the token embeddings) and the NSP head."""

    def __init__(self, config: BertConfig, token_embeddings: nn.Embedding):
        super().__init__()
        self.activation = config.activation
        self.transform = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        self.decoder.weight = token_embeddings.weight  # tied: scoring a token = dot with its embedding
        self.nsp = nn.Linear(config.hidden_size, 2)

    def mlm(self, hidden: Tensor) -> Tensor:
        """(..., H) -> (..., vocab) scores for the original token."""
        h = self.transform_norm(ACTIVATIONS[self.activation](self.transform(hidden)))
        return self.decoder(h)


class BertForPreTraining(nn.Module):
    """BERT with its two pre-training heads: returns ``(mlm_logits, nsp_logits)``."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config)
        self.heads = BertPreTrainingHeads(config, self.bert.embeddings.token)
        self.heads.apply(_init_weights)
        nn.init.zeros_(self.heads.decoder.bias)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None = None,
                attention_mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """-> MLM scores (B, T, vocab) for every position, and NSP scores (B, 2) [IsNext, NotNext]."""
        hidden = self.bert(input_ids, token_type_ids, attention_mask)  # (B, T, H)
        return self.heads.mlm(hidden), self.heads.nsp(self.bert.pool(hidden))

    @classmethod
    def from_huggingface(cls, source: str | Path | dict, config: BertConfig | None = None) -> BertForPreTraining:
        """Load Hugging Face ``BertForPreTraining`` weights (``bert.*`` and ``cls.*``)."""
        state, config = _read_huggingface(source, config)
        model = cls(config)
        _load_mapped(model, {("bert." + k if not k.startswith("heads.") else k): v
                             for k, v in _map_names(state).items()})
        return model.eval()


class BertForSequenceClassification(nn.Module):
    """One linear layer on the final [CLS] vector; softmax of its output gives class probabilities."""

    def __init__(self, config: BertConfig, num_labels: int, *, bert: BertModel | None = None, use_pooler: bool = False):
        super().__init__()
        if isinstance(num_labels, bool) or not isinstance(num_labels, int) or num_labels < 2:
            raise ValueError(f"num_labels must be an int >= 2, got {num_labels!r}")
        self.bert = bert if bert is not None else BertModel(config)
        self.use_pooler = use_pooler
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.hidden_size, num_labels)
        _init_weights(self.classifier)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None = None,
                attention_mask: Tensor | None = None) -> Tensor:
        """-> logits (B, num_labels); ``logits.softmax(-1)`` are the class probabilities."""
        hidden = self.bert(input_ids, token_type_ids, attention_mask)  # (B, T, H)
        cls_vector = self.bert.pool(hidden) if self.use_pooler else hidden[:, 0]  # (B, H)
        return self.classifier(self.dropout(cls_vector))

    @torch.no_grad()
    def predict_proba(self, input_ids: Tensor, token_type_ids: Tensor | None = None,
                      attention_mask: Tensor | None = None) -> Tensor:
        """(B, num_labels) class probabilities: softmax of the logits, in eval mode, without gradients."""
        was_training = self.training
        self.eval()
        try:
            return self(input_ids, token_type_ids, attention_mask).softmax(-1)
        finally:
            self.train(was_training)


def _init_weights(module: nn.Module) -> None:
    # BERT's initialisation: normal(0, 0.02) weights, zero biases, LayerNorm at identity.
    if isinstance(module, nn.Linear | nn.Embedding):
        nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
        if isinstance(module, nn.Embedding) and module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


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


def _map_names(state: dict[str, Tensor]) -> dict[str, Tensor]:
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


def _read_huggingface(source: str | Path | dict, config: BertConfig | None) -> tuple[dict, BertConfig]:
    if isinstance(source, dict):
        if config is None:
            raise ValueError("config is required when source is a state dict")
        return source, config
    from safetensors.torch import load_file

    directory = Path(str(source))
    if not directory.is_dir():
        raise FileNotFoundError(f"source {str(directory)!r} is not a directory")
    for needed in ("model.safetensors", "config.json"):
        if not (directory / needed).is_file():
            raise FileNotFoundError(f"source {str(directory)!r} has no {needed}")
    if config is None:
        config = BertConfig.from_huggingface(json.loads((directory / "config.json").read_text()))
    return load_file(str(directory / "model.safetensors")), config


def _load_mapped(model: nn.Module, state: dict[str, Tensor]) -> None:
    expected = model.state_dict()
    if "heads.decoder.weight" in expected and "heads.decoder.weight" not in state:
        state["heads.decoder.weight"] = state["bert.embeddings.token.weight"]  # tied in the file too
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(f"weights do not fit this model: missing {missing[:5]}, unexpected {unexpected[:5]}")
    for name, tensor in state.items():
        if tensor.shape != expected[name].shape:
            raise ValueError(f"weight {name!r} has shape {tuple(tensor.shape)}, the model expects "
                             f"{tuple(expected[name].shape)}")
    model.load_state_dict(state)
