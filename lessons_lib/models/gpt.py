"""GPT (the first one): a Transformer decoder without encoder-decoder attention, read left to right.

Token + learned position embeddings, then post-LayerNorm Transformer blocks whose self-attention
carries the look-ahead mask (position t sees tokens 0..t only), then an output layer tied to the
token embeddings that scores the next token at every position. There is no encoder, so the
decoder's second attention (over an encoder's output) is gone: one attention per block.

For fine-tuning, the paper reads the final state of an ``[extract]`` token at the end of each
input: ``GPTForClassification`` puts one linear layer on it (the states of several sequences
added, for similarity), ``GPTForMultipleChoice`` one score per option. Both also return the LM
logits, for the auxiliary language-model loss. Hugging Face's ``OpenAIGPTLMHeadModel`` and
``OpenAIGPTDoubleHeadsModel`` load through ``from_huggingface``; equality is tested.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import ClassVar, NamedTuple

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_choice, check_ids_tensor, check_int, check_mask, check_number
from lessons_lib.layers.masks import combine_masks, look_ahead_mask
from lessons_lib.layers.transformer import ACTIVATIONS, BlockConfig, TransformerBlock
from lessons_lib.models.huggingface import gpt_names, init_normal, load_mapped, read_huggingface


def check_decoder_config(config) -> None:
    """The checks GPT's and GPT-2's configs share: positive sizes, rates in [0, 1), heads dividing the width."""
    for f in fields(config):
        if f.type == "int":
            check_int(f.name, getattr(config, f.name), low=1)
    for name in ("dropout", "attention_dropout"):
        check_number(name, getattr(config, name), low=0.0, high=1.0, high_open=True)
    check_number("layer_norm_eps", config.layer_norm_eps, low=0.0, high=1.0, low_open=True, high_open=True)
    check_number("init_std", config.init_std, low=0.0, low_open=True)
    if config.hidden_size % config.num_heads:
        raise ValueError(f"hidden_size ({config.hidden_size}) must be a multiple of num_heads ({config.num_heads})")
    check_choice("activation", config.activation, sorted(ACTIVATIONS))


@dataclass
class DecoderConfig:
    """What GPT's and GPT-2's configs share; each subclass sets the vocabulary, the context, and where
    LayerNorm goes (``norm_first``: after each sub-block in GPT, before it in GPT-2)."""

    vocab_size: int  # number of tokens
    max_len: int  # context: the longest input, one learned position vector each
    hidden_size: int = 768  # width of every token vector (H)
    num_layers: int = 12  # decoder blocks stacked (L)
    num_heads: int = 12  # attention heads per block (A); hidden_size must divide evenly
    intermediate_size: int = 3072  # width inside the feed-forward network (4 H)
    dropout: float = 0.1  # dropout on the embeddings and on each sub-block's output
    attention_dropout: float = 0.1  # dropout on the attention weights
    activation: str = "gelu_tanh"  # GPT's and GPT-2's GELU is the tanh approximation
    layer_norm_eps: float = 1e-5  # LayerNorm's epsilon
    init_std: float = 0.02  # std of the normal initial weights (embeddings: 0.02)
    norm_first: ClassVar[bool] = False

    def __post_init__(self):
        check_decoder_config(self)

    def block_config(self) -> BlockConfig:
        """Each decoder block (the look-ahead mask is set by the model)."""
        return BlockConfig(self.hidden_size, self.num_heads, self.intermediate_size, self.dropout,
                           self.attention_dropout, self.activation, self.layer_norm_eps, norm_first=self.norm_first)


@dataclass
class GPTConfig(DecoderConfig):
    """Every size of a GPT model in one place: post-LayerNorm blocks, as BERT's."""

    vocab_size: int = 40478  # number of tokens (the paper's BPE vocabulary)
    max_len: int = 512  # context: the longest input, one learned position vector each

    @classmethod
    def gpt1(cls) -> GPTConfig:
        """The paper's model: L=12, H=768, A=12, 512 positions (about 117M parameters)."""
        return cls()

    @classmethod
    def tiny(cls, vocab_size: int) -> GPTConfig:
        """Our CPU-sized GPT: L=4, H=128, A=4, 128 positions, no dropout (it under-fits its budget).

        Its linear layers start at std 1/sqrt(H) rather than the paper's 0.02 (chosen for H=768):
        each block then starts close to the identity, and in our trials a model this narrow sat at
        the unigram loss for more than 400 steps at 0.02, against about 150 at 1/sqrt(H).
        """
        return cls(vocab_size=vocab_size, max_len=128, hidden_size=128, num_layers=4, num_heads=4,
                   intermediate_size=512, dropout=0.0, attention_dropout=0.0, init_std=128 ** -0.5)

    @classmethod
    def from_huggingface(cls, hf: dict) -> GPTConfig:
        """Translate a Hugging Face ``OpenAIGPTConfig`` dict (``config.json``)."""
        if hf.get("afn", "gelu") != "gelu":  # Hugging Face's "gelu" here is the tanh approximation
            raise ValueError(f"only afn='gelu' is supported, got {hf.get('afn')!r}")
        hidden = hf["n_embd"]
        return cls(vocab_size=hf["vocab_size"], max_len=hf["n_positions"], hidden_size=hidden,
                   num_layers=hf["n_layer"], num_heads=hf["n_head"], intermediate_size=4 * hidden,
                   dropout=hf.get("resid_pdrop", 0.1), attention_dropout=hf.get("attn_pdrop", 0.1),
                   layer_norm_eps=hf.get("layer_norm_epsilon", 1e-5), init_std=hf.get("initializer_range", 0.02))


class GPTOutput(NamedTuple):
    """What ``GPTModel`` returns; the fields not asked for are ``None``."""

    last_hidden_state: Tensor  # (B, T, H) final vector of every token
    hidden_states: tuple[Tensor, ...] | None  # the embeddings, then every block's output: L + 1 of (B, T, H)
    attentions: tuple[Tensor, ...] | None  # every block's attention weights: L of (B, heads, T, T)


class TaskOutput(NamedTuple):
    """What the fine-tuning models return."""

    logits: Tensor  # (B, num_labels) for classification, (B, options) for multiple choice
    lm_logits: Tensor | None  # next-token scores of every input sequence (..., T, vocab), for the auxiliary loss


class GPTModel(nn.Module):
    """The decoder: token + position embeddings, then ``num_layers`` masked self-attention blocks."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
        self.config = config
        self.token = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position = nn.Embedding(config.max_len, config.hidden_size)
        self.dropout = nn.Dropout(config.dropout)
        self.layers = nn.ModuleList(TransformerBlock(config.block_config()) for _ in range(config.num_layers))
        self.apply(init_normal)  # std 0.02 everywhere, as the paper; then the linear layers' own std
        for module in self.modules():
            if isinstance(module, nn.Linear):
                init_normal(module, config.init_std)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, *, look_ahead: bool = True,
                output_hidden_states: bool = False, output_attentions: bool = False) -> GPTOutput:
        """(B, T) token ids [, (B, T) 1-for-token/0-for-padding] -> ``GPTOutput``.

        ``look_ahead=False`` drops the look-ahead mask (only to show what it does: GPT is
        trained with it). ``output_attentions`` goes through the explicit softmax (slower).
        """
        _check_input(input_ids, attention_mask, self.config.max_len)
        length = input_ids.shape[1]
        mask = combine_masks(look_ahead_mask(length, input_ids.device) if look_ahead else None,  # (T, T)
                             None if attention_mask is None else attention_mask.bool()[:, None, None, :])
        try:
            tokens = self.token(input_ids)  # (B, T, H)
        except IndexError:  # checked only when the lookup fails: no scan of the ids on every call
            raise ValueError(f"input_ids must lie in [0, vocab_size={self.config.vocab_size})") from None
        x = self.dropout(tokens + self.position(torch.arange(length, device=input_ids.device)))  # (B, T, H)
        hidden_states, attentions = [x], []
        for layer in self.layers:
            if output_attentions:
                x, weights = layer(x, mask, return_weights=True)
                attentions.append(weights)
            else:
                x = layer(x, mask)
            hidden_states.append(x)
        return GPTOutput(x, tuple(hidden_states) if output_hidden_states else None,
                         tuple(attentions) if output_attentions else None)


class GPT(nn.Module):
    """The language model: the decoder, then next-token scores tied to the token embeddings."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.transformer = GPTModel(config)

    def lm_head(self, hidden: Tensor) -> Tensor:
        """(..., H) -> (..., vocab): each token's score is the dot product with its input embedding."""
        return hidden @ self.transformer.token.weight.T

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None) -> Tensor:
        """(B, T) token ids -> next-token logits (B, T, vocab): position t scores token t + 1."""
        return self.lm_head(self.transformer(input_ids, attention_mask).last_hidden_state)

    def add_tokens(self, count: int, *, seed: int = 0) -> list[int]:
        """Grow the vocabulary by ``count`` tokens with random embeddings (fine-tuning's [start] etc.): their ids."""
        check_int("count", count, low=1)
        old = self.transformer.token.weight
        new = torch.randn(count, old.shape[1], generator=torch.Generator().manual_seed(seed)) * 0.02
        grown = nn.Embedding(old.shape[0] + count, old.shape[1])
        with torch.no_grad():
            grown.weight.copy_(torch.cat([old.detach(), new.to(old.dtype)]))
        self.transformer.token = grown
        self.config = self.transformer.config = replace(self.config, vocab_size=old.shape[0] + count)
        return list(range(old.shape[0], old.shape[0] + count))

    @classmethod
    def from_huggingface(cls, source: str | Path | dict, config: GPTConfig | None = None) -> GPT:
        """Load ``OpenAIGPTLMHeadModel`` (or ``OpenAIGPTModel``) weights: a folder or a state dict."""
        state, config = read_huggingface(source, config, GPTConfig.from_huggingface)
        model = cls(config)
        load_mapped(model, {f"transformer.{k}": v for k, v in gpt_names(state).items() if not k.startswith("head.")})
        return model.eval()


class GPTForClassification(nn.Module):
    """One linear layer on the final ``[extract]`` state; the states of several orders added (similarity)."""

    def __init__(self, config: GPTConfig, num_labels: int, *, gpt: GPT | None = None):
        super().__init__()
        check_int("num_labels", num_labels, low=2)
        self.gpt = gpt if gpt is not None else GPT(config)
        self.dropout = nn.Dropout(self.gpt.config.dropout)
        self.head = nn.Linear(self.gpt.config.hidden_size, num_labels)
        init_normal(self.head)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None,
                extract_positions: Tensor | None = None, *, with_lm_logits: bool = True) -> TaskOutput:
        """(B, T) ids, or (B, S, T) for S orders of one input -> ``TaskOutput`` with logits (B, num_labels).

        ``with_lm_logits=False`` skips the next-token scores (``lm_logits=None``): most of the memory.
        """
        states, lm_logits = _extract(self.gpt, input_ids, attention_mask, extract_positions,
                                     with_lm_logits)  # (B, S, H)
        return TaskOutput(self.head(self.dropout(states.sum(1))), lm_logits)  # (B, num_labels)


class GPTForMultipleChoice(nn.Module):
    """One score per option from its ``[extract]`` state; softmax over the options picks one."""

    def __init__(self, config: GPTConfig, *, gpt: GPT | None = None):
        super().__init__()
        self.gpt = gpt if gpt is not None else GPT(config)
        self.dropout = nn.Dropout(self.gpt.config.dropout)
        self.head = nn.Linear(self.gpt.config.hidden_size, 1)
        init_normal(self.head)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None,
                extract_positions: Tensor | None = None, *, with_lm_logits: bool = True) -> TaskOutput:
        """(B, options, T) ids -> ``TaskOutput`` with logits (B, options) (``with_lm_logits``: as the classifier's)."""
        if not isinstance(input_ids, Tensor) or input_ids.dim() != 3:
            raise ValueError(f"input_ids must have shape (batch, options, seq), got "
                             f"{tuple(input_ids.shape) if isinstance(input_ids, Tensor) else type(input_ids).__name__}")
        states, lm_logits = _extract(self.gpt, input_ids, attention_mask, extract_positions,
                                     with_lm_logits)  # (B, C, H)
        return TaskOutput(self.head(self.dropout(states)).squeeze(-1), lm_logits)  # (B, C)

    @classmethod
    def from_huggingface(cls, source: str | Path | dict, config: GPTConfig | None = None) -> GPTForMultipleChoice:
        """Load ``OpenAIGPTDoubleHeadsModel`` weights (the decoder, and its multiple-choice head)."""
        state, config = read_huggingface(source, config, GPTConfig.from_huggingface)
        model = cls(config)
        load_mapped(model, {(k if k.startswith("head.") else f"gpt.transformer.{k}"): v
                            for k, v in gpt_names(state).items()})
        return model.eval()


def _extract(gpt: GPT, input_ids: Tensor, attention_mask: Tensor | None, extract_positions: Tensor | None,
             with_lm_logits: bool = True) -> tuple[Tensor, Tensor | None]:
    """States (B, S, H) at the extract positions (default: each sequence's last real token), LM logits."""
    if not isinstance(input_ids, Tensor) or input_ids.dim() not in (2, 3):
        raise ValueError("input_ids must have shape (batch, seq) or (batch, sequences, seq)")
    ids = input_ids if input_ids.dim() == 3 else input_ids[:, None]  # (B, S, T)
    batch, sequences, length = ids.shape
    if attention_mask is not None:
        check_mask("attention_mask", attention_mask, input_ids)
    flat_mask = None if attention_mask is None else attention_mask.reshape(batch * sequences, -1)
    if extract_positions is None:  # the last real token of each sequence
        real = torch.ones_like(ids) if attention_mask is None else attention_mask.reshape(ids.shape)
        extract_positions = real.long().sum(-1) - 1  # (B, S)
    check_ids_tensor("extract_positions", extract_positions, dims=extract_positions.dim()
                     if isinstance(extract_positions, Tensor) else 1, signed=True)
    if extract_positions.shape not in ((batch, sequences), (batch,) if sequences == 1 else None):
        raise ValueError(f"extract_positions must have one position per sequence, shape ({batch}, {sequences})"
                         f"{f' or ({batch},)' if sequences == 1 else ''}, got {tuple(extract_positions.shape)}")
    extract_positions = extract_positions.reshape(batch, sequences)
    if extract_positions.min() < 0 or extract_positions.max() >= length:
        raise ValueError(f"extract_positions must lie in [0, {length}), got values from "
                         f"{int(extract_positions.min())} to {int(extract_positions.max())}")
    hidden = gpt.transformer(ids.reshape(batch * sequences, length), flat_mask).last_hidden_state  # (B S, T, H)
    hidden = hidden.view(batch, sequences, length, -1)
    index = extract_positions[..., None, None].expand(-1, -1, 1, hidden.shape[-1])  # (B, S, 1, H)
    states = hidden.gather(2, index).squeeze(2)  # (B, S, H)
    if not with_lm_logits:
        return states, None
    return states, gpt.lm_head(hidden if input_ids.dim() == 3 else hidden[:, 0])


def _check_input(input_ids: Tensor, attention_mask: Tensor | None, max_len: int) -> None:
    # Shapes and dtypes only: cheap enough for every forward (the id range is checked on lookup).
    if not isinstance(input_ids, Tensor) or input_ids.dtype not in (torch.long, torch.int, torch.int16):
        raise TypeError(f"input_ids must be an integer torch.Tensor of shape (batch, seq), got "
                        f"{type(input_ids).__name__} {getattr(input_ids, 'dtype', '')}".rstrip())
    if input_ids.dim() != 2 or input_ids.shape[1] == 0:
        raise ValueError(f"input_ids must have shape (batch, seq) with seq >= 1, got {tuple(input_ids.shape)}")
    if input_ids.shape[1] > max_len:
        raise ValueError(f"input_ids has {input_ids.shape[1]} positions; this model's context (max_len) "
                         f"is {max_len}: cut the input first")
    if attention_mask is not None:
        check_mask("attention_mask", attention_mask, input_ids)
