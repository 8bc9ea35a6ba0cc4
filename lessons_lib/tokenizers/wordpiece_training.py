"""Training a WordPiece vocabulary from text: start from characters, merge frequent pairs.

Every word starts as single characters (continuations written ``##c``). We then repeatedly merge
the adjacent pair of pieces that occurs most often in the corpus into a new piece, until the
vocabulary is full. (Google's original WordPiece picks the pair that most raises the corpus
likelihood; on a corpus this small that spends the vocabulary on rare letter pairs, so we count
pairs, as Hugging Face's WordPiece trainer does.)
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable

from tqdm.auto import tqdm

from lessons_lib.checks import check_int
from lessons_lib.tokenizers.basic import SPECIAL_TOKENS, basic_tokenize

MAX_CHARS_PER_WORD = 100  # longer "words" (URLs, noise) become [UNK], as in BERT


def learn_vocabulary(texts: Iterable[str], vocab_size: int, *, min_frequency: int = 2, lowercase: bool = True,
                     show_progress: bool = True) -> list[str]:
    """The special tokens, every character seen, then merged pieces, up to ``vocab_size`` tokens."""
    check_int("vocab_size", vocab_size, low=len(SPECIAL_TOKENS) + 1)
    check_int("min_frequency", min_frequency, low=1)
    if isinstance(texts, str) or not isinstance(texts, Iterable):
        raise TypeError(f"texts must be an iterable of strings (not a single str), got {type(texts).__name__}")
    word_counts: Counter[str] = Counter()
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"texts must hold only str, got a {type(text).__name__}")
        word_counts.update(basic_tokenize(text, lowercase=lowercase, never_split=()))
    words = sorted(w for w in word_counts if len(w) <= MAX_CHARS_PER_WORD)
    if not words:
        raise ValueError("texts must contain at least one word")
    merger = _Merger([[w[0]] + ["##" + c for c in w[1:]] for w in words], [word_counts[w] for w in words])
    # Start from every character seen (as a word start "c" or a continuation "##c").
    vocab = list(SPECIAL_TOKENS) + sorted(merger.piece_counts)
    if len(vocab) > vocab_size:
        raise ValueError(
            f"vocab_size must be at least {len(vocab)} for these texts "
            f"({len(SPECIAL_TOKENS)} special tokens + {len(vocab) - len(SPECIAL_TOKENS)} characters), got {vocab_size}"
        )
    known = set(vocab)
    bar = tqdm(total=max(vocab_size - len(vocab), 0), desc="training WordPiece", disable=not show_progress)
    while len(vocab) < vocab_size:
        # Merge a small batch of the best-scoring pairs per round (about 5 % of the current
        # vocabulary, never two pairs sharing a piece): the same choices one-at-a-time
        # merging would make in almost every case, in ~100 rounds instead of thousands.
        batch = max(1, min(vocab_size - len(vocab), len(vocab) // 20))
        chosen = merger.best_pairs(batch, min_frequency)
        if not chosen:
            break  # no pair occurs min_frequency times any more
        for merged in merger.merge(chosen):
            if merged not in known:
                vocab.append(merged)
                known.add(merged)
                bar.update(1)
    bar.close()
    if len(vocab) < vocab_size:
        warnings.warn(f"vocab_size={vocab_size} is more than these texts can fill: every pair of pieces seen "
                      f"{min_frequency}+ times is merged at {len(vocab)} tokens", stacklevel=3)
    return vocab


class _Merger:
    """Word splits with pair and piece counts kept up to date as pairs are merged."""

    def __init__(self, splits: list[list[str]], counts: list[int]):
        self.splits, self.counts = splits, counts
        self.piece_counts: Counter[str] = Counter()
        self.pair_counts: Counter[tuple[str, str]] = Counter()
        self.where: dict[tuple[str, str], set[int]] = {}
        for i in range(len(splits)):
            self._count(i, +1)

    def _count(self, i: int, sign: int) -> None:
        split, count = self.splits[i], self.counts[i] * sign
        for piece in split:
            self.piece_counts[piece] += count
        for pair in zip(split, split[1:], strict=False):
            self.pair_counts[pair] += count
            if sign > 0:
                self.where.setdefault(pair, set()).add(i)

    def best_pairs(self, n: int, min_frequency: int) -> list[tuple[str, str]]:
        # The most frequent pairs first; ties broken by the pair's text, so training is deterministic.
        scored = sorted(
            (-c, (a, b))
            for (a, b), c in self.pair_counts.items()
            if c >= min_frequency
        )
        chosen, used = [], set()
        for _, (a, b) in scored:
            if a in used or b in used:
                continue
            chosen.append((a, b))
            used.update((a, b))
            if len(chosen) == n:
                break
        return chosen

    def merge(self, pairs: list[tuple[str, str]]) -> list[str]:
        affected = sorted(set().union(*(self.where.pop(p, set()) for p in pairs)))
        for i in affected:
            self._count(i, -1)
            split = self.splits[i]
            for a, b in pairs:
                j = 0
                while j < len(split) - 1:
                    if split[j] == a and split[j + 1] == b:
                        split[j : j + 2] = [a + b[2:]]
                    j += 1
            self._count(i, +1)
        for key in [k for k, v in self.pair_counts.items() if v <= 0]:
            del self.pair_counts[key]
        return [a + b[2:] for a, b in pairs]
