"""BERT: embeddings, a bidirectional Transformer encoder, and the heads on top.

Three modules, bottom to top: the embedding layer sums token, segment and position embeddings;
the encoder stacks post-LayerNorm Transformer blocks that see the whole sequence (padding mask
only, no look-ahead mask); the heads predict masked tokens (MLM), whether sentence B follows
sentence A (NSP), or a label for the whole sequence from the [CLS] position.

Weight names differ from Hugging Face's, so ``from_huggingface`` maps them; the equivalence with
``transformers.BertModel`` on shared weights is tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_ids_tensor, check_int, check_mask, check_number
from lessons_lib.layers.transformer import ACTIVATIONS, BlockConfig, BlockStack, init_normal
from lessons_lib.models.huggingface import bert_names, load_mapped, read_huggingface


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
        for name in ("vocab_size", "num_layers", "max_position_embeddings", "type_vocab_size"):
            check_int(name, getattr(self, name), low=1)
        check_int("pad_token_id", self.pad_token_id, low=0, high=self.vocab_size - 1)
        check_number("layer_norm_eps", self.layer_norm_eps, low=0.0, high=1.0, low_open=True, high_open=True)
        self.block_config()  # the block checks its own sizes, rates and activation

    def block_config(self) -> BlockConfig:
        """The settings of each encoder block: post-LayerNorm, as in the original Transformer."""
        return BlockConfig(self.hidden_size, self.num_heads, self.intermediate_size, self.dropout,
                           self.attention_dropout, self.activation, self.layer_norm_eps, norm_first=False)

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
    """What ``BertModel`` returns; the fields not asked for are ``None``."""

    last_hidden_state: Tensor  # (B, T, H) final vector of every token
    pooled: Tensor  # (B, H) tanh(dense([CLS] vector)), the NSP head's input
    hidden_states: tuple[Tensor, ...] | None  # embeddings' output, then every block's: L + 1 of (B, T, H)
    attentions: tuple[Tensor, ...] | None  # every block's attention weights: L of (B, heads, T, T)


class PreTrainingOutput(NamedTuple):
    """What ``BertForPreTraining`` returns."""

    mlm_logits: Tensor  # (B, T, vocab), or (N, vocab) at the N positions of ``mlm_positions``
    nsp_logits: Tensor  # (B, 2): [IsNext, NotNext]


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
        # The ranges are checked only when a lookup fails: no scan of the ids on every call.
        try:
            token = self.token(input_ids)
        except IndexError:
            raise ValueError(f"input_ids must lie in [0, vocab_size={self.token.num_embeddings})") from None
        try:
            segment = self.segment(token_type_ids)
        except IndexError:
            raise ValueError(f"token_type_ids must lie in [0, type_vocab_size={self.segment.num_embeddings})") from None
        return token, segment, self.position(positions)[None].expand(input_ids.shape[0], -1, -1)

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
        self.layers = BlockStack(config.block_config(), config.num_layers)
        self.pooler = nn.Linear(config.hidden_size, config.hidden_size)
        self.apply(init_normal)

    def forward(
        self,
        input_ids: Tensor,
        token_type_ids: Tensor | None = None,
        attention_mask: Tensor | None = None,
        *,
        output_hidden_states: bool = False,
        output_attentions: bool = False,
    ) -> BertOutput:
        """(B, T) token ids [, segments (default 0), 1/0 padding mask (default all 1)] -> ``BertOutput``.

        ``output_hidden_states`` adds every layer's output, ``output_attentions`` every layer's
        attention weights (through the explicit softmax, slower than the fused kernel).
        """
        _check_shapes(input_ids, token_type_ids, attention_mask, self.config.max_position_embeddings)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        # padding_mask's shape, without its scan of the values on every call: (B, 1, 1, T)
        mask = attention_mask.bool()[:, None, None, :]
        x = self.embeddings(input_ids, token_type_ids)  # (B, T, H)
        x, hidden_states, attentions = self.layers(x, mask, output_hidden_states=output_hidden_states,
                                                   output_attentions=output_attentions)
        pooled = torch.tanh(self.pooler(x[:, 0]))  # (B, H): the [CLS] vector through dense + tanh
        return BertOutput(x, pooled, hidden_states, attentions)

    @classmethod
    def from_huggingface(cls, source: str | Path | dict, config: BertConfig | None = None) -> BertModel:
        """Load Hugging Face BERT weights: a directory (config.json + model.safetensors) or a state dict."""
        state, config = read_huggingface(source, config, BertConfig.from_huggingface)
        model = cls(config)
        load_mapped(model, {k: v for k, v in bert_names(state).items() if not k.startswith("heads.")})
        return model.eval()


def _check_shapes(input_ids: Tensor, token_type_ids: Tensor | None, attention_mask: Tensor | None,
                  max_positions: int) -> None:
    # Shapes and dtypes only: cheap enough for every forward (the id range is checked on lookup).
    if not isinstance(input_ids, Tensor) or input_ids.dtype not in (torch.long, torch.int, torch.int16):
        raise TypeError(f"input_ids must be an integer torch.Tensor of shape (batch, seq), got "
                        f"{type(input_ids).__name__}{'' if not isinstance(input_ids, Tensor) else ' ' + str(input_ids.dtype)}")
    if input_ids.dim() != 2 or input_ids.shape[1] == 0:
        raise ValueError(f"input_ids must have shape (batch, seq) with seq >= 1, got {tuple(input_ids.shape)}")
    if input_ids.shape[1] > max_positions:
        raise ValueError(f"input_ids has {input_ids.shape[1]} positions; this model takes at most "
                         f"{max_positions} (truncate the text first)")
    if token_type_ids is not None:
        if not isinstance(token_type_ids, Tensor) or token_type_ids.shape != input_ids.shape:
            raise ValueError(f"token_type_ids must be a tensor shaped like input_ids {tuple(input_ids.shape)}, got "
                             f"{getattr(token_type_ids, 'shape', type(token_type_ids).__name__)}")
        check_ids_tensor("token_type_ids", token_type_ids)  # an integer tensor: segment 0 or 1, not 0.0 or 1.0
    if attention_mask is not None:
        check_mask("attention_mask", attention_mask, input_ids)


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
    """BERT with its two pre-training heads: masked-LM scores and next-sentence scores."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config)
        self.heads = BertPreTrainingHeads(config, self.bert.embeddings.token)
        self.heads.apply(init_normal)
        nn.init.zeros_(self.heads.decoder.bias)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None = None,
                attention_mask: Tensor | None = None, *, mlm_positions: Tensor | None = None
                ) -> PreTrainingOutput:
        """-> ``PreTrainingOutput(mlm_logits, nsp_logits)``.

        ``mlm_positions``, a boolean (B, T) mask, scores the vocabulary only where it is True, as
        BERT's own pre-training code gathers the masked positions before the output layer: the
        other 85 % carry no loss, and (positions x vocabulary) is most of a small model's cost.
        An all-False mask skips the MLM head altogether (next-sentence scores only).
        """
        out = self.bert(input_ids, token_type_ids, attention_mask)
        hidden = out.last_hidden_state  # (B, T, H)
        if mlm_positions is not None:
            if not isinstance(mlm_positions, Tensor) or mlm_positions.dtype != torch.bool \
                    or mlm_positions.shape != input_ids.shape:
                raise ValueError(f"mlm_positions must be a boolean tensor shaped like input_ids "
                                 f"{tuple(input_ids.shape)}")
            hidden = hidden[mlm_positions]  # (N, H)
        return PreTrainingOutput(self.heads.mlm(hidden), self.heads.nsp(out.pooled))

    @classmethod
    def from_huggingface(cls, source: str | Path | dict, config: BertConfig | None = None) -> BertForPreTraining:
        """Load Hugging Face ``BertForPreTraining`` weights (``bert.*`` and ``cls.*``)."""
        state, config = read_huggingface(source, config, BertConfig.from_huggingface)
        model = cls(config)
        mapped = {("bert." + k if not k.startswith("heads.") else k): v for k, v in bert_names(state).items()}
        mapped.setdefault("heads.decoder.weight", mapped["bert.embeddings.token.weight"])  # tied in the file too
        load_mapped(model, mapped)
        return model.eval()


class BertForSequenceClassification(nn.Module):
    """One linear layer on the final [CLS] vector; softmax of its output gives class probabilities."""

    def __init__(self, config: BertConfig, num_labels: int, *, bert: BertModel | None = None, use_pooler: bool = False):
        super().__init__()
        check_int("num_labels", num_labels, low=2)
        self.bert = bert if bert is not None else BertModel(config)
        self.use_pooler = use_pooler
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.hidden_size, num_labels)
        init_normal(self.classifier)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None = None,
                attention_mask: Tensor | None = None) -> Tensor:
        """-> logits (B, num_labels); ``logits.softmax(-1)`` are the class probabilities."""
        out = self.bert(input_ids, token_type_ids, attention_mask)
        cls_vector = out.pooled if self.use_pooler else out.last_hidden_state[:, 0]  # (B, H)
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
