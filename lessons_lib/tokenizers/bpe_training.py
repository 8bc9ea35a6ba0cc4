"""Learning byte-level BPE merges from text, as GPT-2's vocabulary was learned.

Start from the 256 byte tokens. Count every pre-token (word) of the corpus once, with its
frequency; write each as its byte characters. Then, again and again: find the adjacent pair of
tokens that occurs most often (summed over the words, each weighted by its frequency), make it a
new token, and replace the pair by it in every word. A pair is only ever counted inside one word,
so no token spans two pre-tokens. The merges, in the order they were learned, are the tokenizer.

Ties (two pairs seen equally often) go to the pair whose first piece, then second piece, comes
first in code-point order of the printable characters, so training is deterministic.
Pair counts are kept up to date as words change, and a heap finds the most frequent pair, so
each merge costs time for the words it touches only, not for the whole corpus.
"""

from __future__ import annotations

import heapq
import warnings
from collections import Counter
from collections.abc import Iterable

from tqdm.auto import tqdm

from lessons_lib.checks import check_int, check_strings
from lessons_lib.tokenizers.byte_level import bytes_to_unicode, pre_tokenize, to_printable

END_OF_TEXT = "<|endoftext|>"  # GPT-2's one special token: it separates documents; its id is the last


def byte_tokens() -> list[str]:
    """The 256 byte tokens in GPT-2's id order (ids 0 .. 255): by code point of the printable character."""
    return sorted(bytes_to_unicode().values())


def learn_bpe(texts: Iterable[str], vocab_size: int, *, special_tokens: Iterable[str] = (END_OF_TEXT,),
              min_frequency: int = 2, show_progress: bool = True) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """``(vocab, merges)``: 256 byte tokens, then one token per merge, then ``special_tokens``.

    ``vocab`` maps each token to its id (exactly ``vocab_size`` of them unless the texts run out of
    pairs seen ``min_frequency`` times, which warns); ``merges`` lists the merged pairs in the order
    they were learned, which is the order (rank) in which encoding applies them.
    """
    specials = check_strings("special_tokens", special_tokens, non_empty=False)
    if len(set(specials)) != len(specials) or "" in specials or set(specials) & set(byte_tokens()):
        raise ValueError(f"special_tokens must be distinct, non-empty and not byte tokens, got {specials!r}")
    check_int("vocab_size", vocab_size, low=256 + len(specials))
    check_int("min_frequency", min_frequency, low=1)
    if isinstance(texts, str) or not isinstance(texts, Iterable):
        raise TypeError(f"texts must be an iterable of strings (not a single str), got {type(texts).__name__}")
    word_counts: Counter[str] = Counter()
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts must hold only str, item {i} is {type(text).__name__}")
        word_counts.update(pre_tokenize(text))
    if not word_counts:
        raise ValueError("texts must hold at least one non-empty text to learn merges from, got none")
    words = sorted(word_counts)  # a fixed order, so training never depends on the order of a dict
    merger = _PairCounts([list(to_printable(w)) for w in words], [word_counts[w] for w in words])

    vocab = {token: i for i, token in enumerate(byte_tokens())}
    merges: list[tuple[str, str]] = []
    n_learned = vocab_size - len(specials)
    bar = tqdm(total=n_learned - len(vocab), desc="learning BPE merges", disable=not show_progress)
    while len(vocab) < n_learned:
        pair = merger.most_frequent(min_frequency)
        if pair is None:
            warnings.warn(f"vocab_size={vocab_size} is more than these texts can fill: no pair is seen "
                          f"{min_frequency}+ times after {len(merges)} merges", stacklevel=3)
            break
        merger.merge(pair)
        merges.append(pair)
        if pair[0] + pair[1] not in vocab:  # two merges can build the same string: one token
            vocab[pair[0] + pair[1]] = len(vocab)
            bar.update(1)
    bar.close()
    for token in specials:
        vocab[token] = len(vocab)
    return vocab, merges


class _PairCounts:
    """Words as lists of tokens, with the count of every adjacent pair kept up to date."""

    def __init__(self, splits: list[list[str]], counts: list[int]):
        self.splits, self.counts = splits, counts
        self.pairs: Counter[tuple[str, str]] = Counter()
        self.where: dict[tuple[str, str], set[int]] = {}  # pair -> words that hold (or held) it
        for i, split in enumerate(splits):
            for pair in zip(split, split[1:], strict=False):
                self.pairs[pair] += counts[i]
                self.where.setdefault(pair, set()).add(i)
        # Max-heap of (-count, first, second). A count that changed leaves a stale entry behind:
        # an entry is trusted only if its count is the pair's current count.
        self.heap = [(-c, a, b) for (a, b), c in self.pairs.items()]
        heapq.heapify(self.heap)

    def most_frequent(self, min_frequency: int) -> tuple[str, str] | None:
        while self.heap:
            negative, a, b = self.heap[0]
            if self.pairs.get((a, b), 0) == -negative:
                return (a, b) if -negative >= min_frequency else None
            heapq.heappop(self.heap)  # stale
        return None

    def merge(self, pair: tuple[str, str]) -> None:
        """Replace every occurrence of ``pair`` (left to right) and update the counts around each."""
        a, b = pair
        merged = a + b
        changes: Counter[tuple[str, str]] = Counter()
        for i in self.where.pop(pair, ()):
            word, count, j = self.splits[i], self.counts[i], 0
            while True:
                try:
                    j = word.index(a, j)
                except ValueError:
                    break
                if j + 1 < len(word) and word[j + 1] == b:
                    # (left, a) becomes (left, ab) and (b, right) becomes (ab, right); the neighbours
                    # are read from the word as it is now, so "a b a b" gives (ab, ab) once.
                    if j > 0:
                        changes[word[j - 1], a] -= count
                        changes[word[j - 1], merged] += count
                        self.where.setdefault((word[j - 1], merged), set()).add(i)
                    if j + 2 < len(word):
                        changes[b, word[j + 2]] -= count
                        changes[merged, word[j + 2]] += count
                        self.where.setdefault((merged, word[j + 2]), set()).add(i)
                    changes[pair] -= count
                    word[j : j + 2] = [merged]
                j += 1
        for p, change in changes.items():
            count = self.pairs[p] + change
            if count > 0:
                self.pairs[p] = count
                if change:
                    heapq.heappush(self.heap, (-count, *p))
            else:
                del self.pairs[p]
                self.where.pop(p, None)
