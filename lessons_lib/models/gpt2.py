"""GPT-2: GPT with the LayerNorm moved before each sub-block and a final LayerNorm.

The same decoder as GPT (``models.decoder``) with ``norm_first=True``: token + learned position
embeddings, pre-LayerNorm blocks with the look-ahead mask, a final LayerNorm, and an output layer
tied to the token embeddings. Pre-LN keeps the residual path free of normalisation, so deep stacks
train without the warm-up tricks post-LN needs; the one LayerNorm after the last block puts the
sum of all residual updates back on scale. Hugging Face's ``GPT2LMHeadModel`` loads through
``from_huggingface``; equality is tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lessons_lib.models.decoder import DecoderConfig, DecoderLM
from lessons_lib.models.huggingface import gpt2_names, load_mapped, read_huggingface

# Hugging Face's names for the tanh approximation of GELU, which every GPT-2 checkpoint uses.
_HF_ACTIVATIONS = {"gelu_new": "gelu_tanh", "gelu_pytorch_tanh": "gelu_tanh", "gelu_fast": "gelu_tanh",
                   "gelu": "gelu", "relu": "relu"}


@dataclass
class GPT2Config(DecoderConfig):
    """Every size of a GPT-2 model in one place (defaults: the 124M "small" model): GPT's config with
    pre-LayerNorm blocks; the residual projections start at init_std / sqrt(2 L)."""

    vocab_size: int = 50257  # number of tokens (byte-level BPE: 256 bytes + 50,000 merges + <|endoftext|>)
    max_len: int = 1024  # context: the longest input, one learned position vector each
    norm_first: bool = True  # LayerNorm at each sub-block's input, and one after the last block
    scaled_residual_init: bool = True  # the residual writers start at init_std / sqrt(2 L)

    @classmethod
    def small(cls) -> GPT2Config:
        """L=12, H=768, A=12 (published as 117M; 124M counted with the position table)."""
        return cls()

    @classmethod
    def medium(cls) -> GPT2Config:
        """L=24, H=1024, A=16 (published as 345M)."""
        return cls(hidden_size=1024, num_layers=24, num_heads=16, intermediate_size=4096)

    @classmethod
    def large(cls) -> GPT2Config:
        """L=36, H=1280, A=20 (published as 762M)."""
        return cls(hidden_size=1280, num_layers=36, num_heads=20, intermediate_size=5120)

    @classmethod
    def xl(cls) -> GPT2Config:
        """L=48, H=1600, A=25 (published as 1,542M)."""
        return cls(hidden_size=1600, num_layers=48, num_heads=25, intermediate_size=6400)

    @classmethod
    def tiny(cls, vocab_size: int) -> GPT2Config:
        """Our CPU-sized GPT-2, the same sizes as ``GPTConfig.tiny``: L=4, H=128, A=4, 128 positions, no dropout.

        Unlike ``GPTConfig.tiny`` it keeps GPT-2's own initialisation (std 0.02): pre-LN normalises
        every sub-block's input, so a narrow model does not stall at this std. In one trial (400 steps
        of 16 windows of 64 tokens, lr 1e-3), the training loss passed the unigram's (6.69) by step
        100 and reached 6.09, against 6.68 at step 100 and 6.21 at the end with std 1/sqrt(H).
        """
        return cls(vocab_size=vocab_size, max_len=128, hidden_size=128, num_layers=4, num_heads=4,
                   intermediate_size=512, dropout=0.0, attention_dropout=0.0)

    @classmethod
    def from_huggingface(cls, hf: dict) -> GPT2Config:
        """Translate a Hugging Face ``GPT2Config`` dict (``config.json``)."""
        activation = hf.get("activation_function", "gelu_new")
        if activation not in _HF_ACTIVATIONS:
            raise ValueError(f"activation_function must be one of {tuple(_HF_ACTIVATIONS)}, got {activation!r}")
        for name, supported in (("scale_attn_weights", True), ("scale_attn_by_inverse_layer_idx", False),
                                ("add_cross_attention", False)):
            if hf.get(name, supported) != supported:
                raise ValueError(f"only {name}={supported} is supported, got {hf[name]!r}")
        hidden = hf["n_embd"]
        return cls(vocab_size=hf["vocab_size"], max_len=hf["n_positions"], hidden_size=hidden,
                   num_layers=hf["n_layer"], num_heads=hf["n_head"], intermediate_size=hf.get("n_inner") or 4 * hidden,
                   dropout=hf.get("resid_pdrop", 0.1), attention_dropout=hf.get("attn_pdrop", 0.1),
                   activation=_HF_ACTIVATIONS[activation], layer_norm_eps=hf.get("layer_norm_epsilon", 1e-5),
                   init_std=hf.get("initializer_range", 0.02))


class GPT2(DecoderLM):
    """The language model: embeddings, pre-LN blocks, final LayerNorm, next-token scores tied to the embeddings."""

    @classmethod
    def from_huggingface(cls, source: str | Path | dict, config: GPT2Config | None = None) -> GPT2:
        """Load ``GPT2LMHeadModel`` (or ``GPT2Model``) weights: a folder or a state dict."""
        state, config = read_huggingface(source, config, GPT2Config.from_huggingface)
        model = cls(config)
        load_mapped(model, {f"transformer.{k}": v for k, v in gpt2_names(state).items()})
        return model.eval()
