"""Static word vectors: gensim's word2vec trained on the same corpus, one vector per word.

word2vec (2013) learns one vector for each word from the words around it; once trained, "bank"
has the same vector in every sentence. Trained here on the default corpus's training split with
the CBOW objective (predict a word from the mean of its neighbours' vectors: several times faster
than skip-gram), seeded and on one worker thread, so that it gives the same vectors on every run.
``word2vec_context_average`` takes that mean of the neighbours around one word in its sentence:
a vector that depends on the context, built from static vectors (a baseline for ELMo's layers).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

from lessons_lib.checks import check_int, check_strings, check_type
from lessons_lib.tokenizers.basic import basic_tokenize

if TYPE_CHECKING:  # gensim (about 70 MB with SciPy) is imported only when word2vec is used
    from gensim.models import KeyedVectors


def train_word2vec(documents: Sequence[list[str]], *, vector_size: int = 128, window: int = 5, min_count: int = 2,
                   epochs: int = 5, seed: int = 0) -> KeyedVectors:
    """CBOW word2vec over every sentence of ``documents`` (lower-cased words): its word vectors."""
    if isinstance(documents, str) or not isinstance(documents, Sequence) or not documents:
        raise TypeError(f"documents must be a non-empty list of documents (lists of sentences), "
                        f"got {type(documents).__name__}")
    for name, value, low in (("vector_size", vector_size, 1), ("window", window, 1), ("min_count", min_count, 1),
                             ("epochs", epochs, 1), ("seed", seed, 0)):
        check_int(name, value, low=low)
    sentences = [basic_tokenize(s) for i, d in enumerate(documents) for s in check_strings(f"documents[{i}]", d)]
    from gensim.models import Word2Vec

    model = Word2Vec(sentences, vector_size=vector_size, window=window, min_count=min_count, sg=0,
                     epochs=epochs, seed=seed, workers=1)  # one worker: the same vectors every run
    return model.wv


def word2vec_vector(vectors: KeyedVectors, word: str) -> Tensor:
    """The one vector of ``word`` (lower-cased), whatever sentence it is in."""
    from gensim.models import KeyedVectors

    check_type("vectors", vectors, KeyedVectors)
    key = word.lower() if isinstance(word, str) else word
    if not isinstance(key, str) or key not in vectors.key_to_index:
        raise ValueError(f"word {word!r} is not in the word2vec vocabulary ({len(vectors)} words)")
    return torch.from_numpy(np.array(vectors[key]))


def word2vec_average(vectors: KeyedVectors, texts: list[str]) -> Tensor:
    """(len(texts), vector_size): the mean vector of each text's known words (zeros if none is known)."""
    from gensim.models import KeyedVectors

    check_type("vectors", vectors, KeyedVectors)
    texts = check_strings("texts", texts)
    out = np.zeros((len(texts), vectors.vector_size), dtype=np.float32)
    for i, text in enumerate(texts):
        known = [w for w in basic_tokenize(text) if w in vectors.key_to_index]
        if known:
            out[i] = vectors[known].mean(axis=0)
    return torch.from_numpy(out)


def word2vec_context_average(vectors: KeyedVectors, sentences: list[str], word: str, *,
                             window: int | None = 5) -> Tensor:
    """(len(sentences), vector_size): the mean vector of the known words within ``window`` words of
    ``word``'s first use in each sentence, the word itself left out (``window=None``: the whole
    sentence); zeros where no neighbour is known."""
    from gensim.models import KeyedVectors

    check_type("vectors", vectors, KeyedVectors)
    sentences = check_strings("sentences", sentences)
    check_type("word", word, str)
    target = basic_tokenize(word)
    if len(target) != 1:
        raise ValueError(f"word must be one word (one token of basic_tokenize), got {word!r} -> {target}")
    if window is not None:
        check_int("window", window, low=1)
    out = np.zeros((len(sentences), vectors.vector_size), dtype=np.float32)
    for i, sentence in enumerate(sentences):
        words = basic_tokenize(sentence)
        if target[0] not in words:
            raise ValueError(f"word {word!r} does not occur in sentences[{i}]: {sentence!r}")
        where = words.index(target[0])
        reach = len(words) if window is None else window
        near = [w for j, w in enumerate(words)
                if j != where and abs(j - where) <= reach and w in vectors.key_to_index]
        if near:
            out[i] = vectors[near].mean(axis=0)
    return torch.from_numpy(out)
