"""Contextual word vectors: what each layer of an encoder says about one word in one sentence."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from lessons_lib.bert import BertModel
from lessons_lib.tokenizer import WordPieceTokenizer


def word_vectors_by_layer(model: BertModel, tokenizer: WordPieceTokenizer, sentence: str, word: str) -> Tensor:
    """(layers + 1, H): the vector of ``word``'s first piece in ``sentence`` after the embeddings and each layer."""
    return _word_vectors(model, tokenizer, sentence, word, "sentence")


def cosine_by_layer(model: BertModel, tokenizer: WordPieceTokenizer, first: str, second: str, word: str) -> list[float]:
    """Cosine similarity of ``word`` in two sentences, at the embedding layer and after every block."""
    a = _word_vectors(model, tokenizer, first, word, "first")
    b = _word_vectors(model, tokenizer, second, word, "second")
    return F.cosine_similarity(a, b, dim=-1).tolist()


def _word_vectors(model: BertModel, tokenizer: WordPieceTokenizer, sentence: str, word: str,
                  sentence_name: str) -> Tensor:
    # sentence_name: the caller's name for the sentence argument, so an error names it.
    if not isinstance(model, BertModel):
        raise TypeError(f"model must be a BertModel, got {type(model).__name__}")
    tokens = tokenizer.tokenize(sentence)
    pieces = tokenizer.tokenize(word)
    if not pieces:
        raise ValueError(f"word {word!r} gives no tokens")
    where = next((i for i in range(len(tokens)) if tokens[i : i + len(pieces)] == pieces), None)
    if where is None:
        raise ValueError(f"word {word!r} does not occur in {sentence_name} {sentence!r}")
    ids = torch.tensor([[tokenizer.cls_id, *tokenizer.convert_tokens_to_ids(tokens), tokenizer.sep_id]])
    model.eval()
    with torch.no_grad():
        out = model(ids, return_all=True)
    return torch.stack([h[0, where + 1] for h in out.hidden_states])  # +1 skips [CLS]
