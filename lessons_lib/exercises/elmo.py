"""Checkers of notebook 04: ELMo's character ids, highway layers, one-way halves and scalar mix."""

from __future__ import annotations

import torch

from lessons_lib.exercises.core import code_exercise, exercise
from lessons_lib.layers.char_cnn import Highway
from lessons_lib.layers.scalar_mix import ScalarMix
from lessons_lib.tokenizers.elmo_chars import elmo_char_ids
from lessons_lib.training.memory import count_parameters


@exercise("elmo-char-ids", "begin-of-word is 258 and end-of-word 259, a letter is its byte (ord), and every id "
          "is shifted by +1 at the end. Answer the first n ids as a list.")
def _elmo_char_ids(word: str, n: int = 4) -> list[int]:
    return elmo_char_ids([word])[0, :n].tolist()


@exercise("highway-parameters", "each highway layer has two size x size weight matrices (transform A and gate B), "
          "each with a bias of length size.")
def _highway_parameters(size: int, num_layers: int) -> int:
    return count_parameters(Highway(size, num_layers))


@exercise("elmo-moved-outputs", "the forward half at position i has read words 0..i; the backward half has read "
          "words i..n-1. Answer (forward outputs that move, backward outputs that move).")
def _elmo_moved_outputs(n_words: int, changed: int) -> tuple[int, int]:
    return n_words - changed, changed + 1


def _mix_inputs() -> list[tuple]:
    generator = torch.Generator().manual_seed(0)
    return [(torch.randn(k, 4, 6, generator=generator), torch.randn(k, generator=generator),
             float(torch.rand((), generator=generator) * 2)) for k in (1, 3, 5)]


@code_exercise("elmo-scalar-mix", "s = softmax(w) over the layers; the result is gamma * sum_k s_k * layers[k]. "
               "layers is (K, ..., D), w is (K,), gamma a number.", inputs=_mix_inputs)
def _elmo_scalar_mix(layers: torch.Tensor, w: torch.Tensor, gamma: float) -> torch.Tensor:
    mix = ScalarMix(len(w))
    with torch.no_grad():
        mix.weights.copy_(w)
        mix.gamma.fill_(gamma)
        return mix(list(layers))
