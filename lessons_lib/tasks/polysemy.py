"""Polysemy measured: does a word's vector tell its two senses apart, and which corpus uses is it near?

``nearest_sense_accuracy`` classifies each use of a word by the sense whose other uses it is
closest to on average (cosine to each sense's centroid, the use itself left out). A static vector
(word2vec, ELMo's token layer) is the same in every sentence, so both centroids are that one
vector: every use is a tie, scored 1/2, which is chance for two senses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from lessons_lib.checks import check_int, check_type
from lessons_lib.data.polysemy import SenseExample
from lessons_lib.layers.scalar_mix import ScalarMix
from lessons_lib.models.elmo import ElmoBiLM
from lessons_lib.tasks.representations import sentence_layers, word_position
from lessons_lib.tokenizers.basic import SPECIAL_TOKENS
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer


def nearest_sense_accuracy(vectors: Tensor, senses: Sequence[str]) -> float:
    """Leave-one-out share of uses whose nearest sense centroid (cosine) is their own; a tie counts 1/2."""
    check_type("vectors", vectors, Tensor)
    if vectors.dim() != 2 or len(vectors) != len(senses):
        raise ValueError(f"vectors must be (uses, dim) with one row per sense label, got {tuple(vectors.shape)} "
                         f"for {len(senses)} labels")
    names = sorted(set(senses))
    if len(names) < 2 or any(list(senses).count(n) < 2 for n in names):
        raise ValueError("senses must name at least two senses, each used at least twice")
    label = torch.tensor([names.index(s) for s in senses])
    unit = F.normalize(vectors.double(), dim=-1)
    score = 0.0
    for i in range(len(unit)):
        others = torch.arange(len(unit)) != i
        centroids = torch.stack([unit[others & (label == k)].mean(0) for k in range(len(names))])
        similarity = F.cosine_similarity(centroids, unit[i][None], dim=-1)  # (senses,)
        best = torch.isclose(similarity, similarity.max(), rtol=0, atol=1e-9)
        score += float(best[label[i]]) / int(best.sum())  # a tie between k senses gives 1/k
    return score / len(unit)


def sense_vectors(model: ElmoBiLM, tokenizer: WordPieceTokenizer, examples: Sequence[SenseExample]) -> Tensor:
    """(N, L + 1, 2P): ELMo's vector of each example's word in its sentence, at every layer (one batched pass)."""
    if not examples or not all(isinstance(e, SenseExample) for e in examples):
        raise TypeError("examples must be a non-empty list of SenseExample (see lessons_lib.data.polysemy_examples)")
    positions = [word_position(tokenizer, e.sentence, e.word, sentence_name=f"examples[{i}].sentence")[1]
                 for i, e in enumerate(examples)]
    layers = sentence_layers(model, tokenizer, [e.sentence for e in examples])
    return torch.stack([h[:, where] for (_, h), where in zip(layers, positions, strict=True)])


class ContextBank(NamedTuple):
    """Every whole word of some sentences, with ELMo's vector of it at each layer."""

    words: list[str]  # the word (its first WordPiece piece)
    contexts: list[str]  # the sentence it was read in
    vectors: Tensor  # (L + 1, N, 2P)
    senses: list[str] | None = None  # each use's sense, in a bank of labelled uses (see sense_bank)


def context_bank(model: ElmoBiLM, tokenizer: WordPieceTokenizer, sentences: list[str]) -> ContextBank:
    """ELMo's vectors of every word start (no ``##`` piece, no punctuation) in ``sentences``."""
    check_type("tokenizer", tokenizer, WordPieceTokenizer)
    words, contexts, vectors = [], [], []
    for sentence, (tokens, layers) in zip(sentences, sentence_layers(model, tokenizer, sentences), strict=True):
        for t, token in enumerate(tokens):
            if token.startswith("##") or not token[0].isalnum() or token in SPECIAL_TOKENS:
                continue
            words.append(token)
            contexts.append(sentence)
            vectors.append(layers[:, t])
    if not words:
        raise ValueError("sentences hold no word to put in the bank")
    return ContextBank(words, contexts, torch.stack(vectors, dim=1))


def sense_bank(model: ElmoBiLM, tokenizer: WordPieceTokenizer, examples: Sequence[SenseExample]) -> ContextBank:
    """A bank of labelled uses: each example's word in its sentence, with its sense, at every layer."""
    vectors = sense_vectors(model, tokenizer, examples)  # (N, L + 1, 2P)
    return ContextBank([e.word for e in examples], [e.sentence for e in examples],
                       vectors.transpose(0, 1).contiguous(), [e.sense for e in examples])


def nearest_contexts(bank: ContextBank, vector: Tensor, layer: int | ScalarMix, *, k: int = 3,
                     exclude: str | None = None, word: str | None = None) -> list[tuple[str, str, float]]:
    """The ``k`` uses in ``bank`` nearest to ``vector`` at ``layer`` (an index, or a ``ScalarMix`` of all
    layers): (word, sentence, cosine), nearest first. ``exclude`` leaves out uses from that sentence;
    ``word`` keeps only the uses of that word."""
    check_type("bank", bank, ContextBank)
    check_int("k", k, low=1)
    if word is not None:
        check_type("word", word, str)
    if isinstance(layer, ScalarMix):
        candidates = layer(bank.vectors.unbind(0))  # (N, 2P)
    else:
        candidates = bank.vectors[check_int("layer", layer, low=0, high=bank.vectors.shape[0] - 1)]
    similarity = F.cosine_similarity(candidates, vector[None], dim=-1).detach()  # (N,)
    if exclude is not None:  # e.g. the very sentence the query comes from
        similarity = similarity.masked_fill(torch.tensor([c == exclude for c in bank.contexts]), -2.0)
    if word is not None:  # another word's uses are no sense of this one
        similarity = similarity.masked_fill(torch.tensor([w.lower() != word.lower() for w in bank.words]), -2.0)
    top = similarity.topk(min(k, len(bank.words)))
    return [(bank.words[i], bank.contexts[i], float(v)) for v, i in zip(top.values, top.indices, strict=True)
            if v > -2.0]
