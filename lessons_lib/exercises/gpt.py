"""Checkers of notebooks 05 and 06: GPT's masks, inputs and losses; GPT-2's bytes, sampling and cache."""

from __future__ import annotations

import torch

from lessons_lib.exercises.core import code_exercise, exercise
from lessons_lib.generation import top_p_filter
from lessons_lib.layers.masks import combine_masks, look_ahead_mask, padding_mask
from lessons_lib.models.gpt import GPT
from lessons_lib.training.memory import count_parameters


def _padding_inputs() -> list[tuple]:
    generator = torch.Generator().manual_seed(0)
    cases = []
    for batch, length in ((1, 1), (2, 5), (3, 8)):
        lengths = torch.randint(1, length + 1, (batch,), generator=generator)
        cases.append(((torch.arange(length)[None] < lengths[:, None]).long(),))  # (B, T): 1 = token, 0 = padding
    return cases


@code_exercise("gpt-combined-mask", "query i may look at key j when j <= i (look-ahead) and key j is a real token "
               "(padding); torch.tril and the attention_mask's row, combined with &. Return a boolean (B, T, T) "
               "tensor, True = may attend.", inputs=_padding_inputs)
def _gpt_combined_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    return combine_masks(padding_mask(attention_mask)[:, 0], look_ahead_mask(attention_mask.shape[1]))


@exercise("gpt-moved-outputs", "output i of GPT has read tokens 0..i only. Which outputs have read position t? "
          "Positions are counted from 0.")
def _gpt_moved_outputs(length: int, changed: int) -> int:
    return length - changed


@exercise("gpt-embedding-share", "the token table is vocab_size x hidden_size and also serves as the output "
          "layer (tied), so it is counted once. Divide by all the parameters; round to 2 decimals.", decimals=2)
def _gpt_embedding_share(config) -> float:
    with torch.device("meta"):  # shapes only
        model = GPT(config)
    return config.vocab_size * config.hidden_size / count_parameters(model)


@exercise("gpt-choice-tokens", "each option is read as its own sequence, [start] context [delim] option "
          "[extract]: the context is read once per option, plus three task tokens each.")
def _gpt_choice_tokens(context_tokens: int, option_tokens: list[int]) -> int:
    return sum(context_tokens + n + 3 for n in option_tokens)


@exercise("gpt-auxiliary-loss", "the paper adds the language-model loss to the task loss with weight 0.5.")
def _gpt_auxiliary_loss(task_loss: float, lm_loss: float, lm_weight: float = 0.5) -> float:
    return task_loss + lm_weight * lm_loss


def _top_p_inputs() -> list[tuple]:
    generator = torch.Generator().manual_seed(6)
    rows = [torch.randn(4, 50, generator=generator) * scale for scale in (0.5, 2.0, 5.0)]
    return [(logits, p) for logits in rows for p in (0.1, 0.5, 0.9, 0.97)]


@code_exercise("gpt2-top-p", "sort the scores from most to least likely; a token is kept while the probability of "
               "the tokens before it is still below p (so the first always is); set every other score to "
               "float('-inf'). Return a tensor of the logits' shape.", inputs=_top_p_inputs)
def _top_p(logits: torch.Tensor, p: float) -> torch.Tensor:
    return top_p_filter(logits, p)


@exercise("gpt2-byte-tokens", "before any merge, byte-level BPE has one token per UTF-8 byte: "
          "len(text.encode('utf-8')). A Chinese character takes 3 bytes, this emoji 4.")
def _byte_tokens(text: str) -> int:
    return len(text.encode("utf-8"))


@exercise("gpt2-cache-mib", "each layer keeps a key and a value vector (hidden_size numbers each) per token: "
          "layers x 2 x hidden_size x tokens x 4 bytes in float32; divide by 2**20 for MiB.")
def _cache_mib(config, tokens: int) -> float:
    return config.num_layers * 2 * config.hidden_size * tokens * 4 / 2**20


@exercise("gpt2-positions-read", "without the cache, step i re-reads the prompt and the i tokens made so far; with "
          "it, the prompt is read once, then one new position per later step. Answer (without, with).")
def _positions_read(prompt: int, new: int) -> tuple[int, int]:
    return sum(prompt + i for i in range(new)), prompt + new - 1
