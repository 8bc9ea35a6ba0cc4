"""Contextual word vectors: what each layer of BERT or ELMo says about one word in one sentence.

ELMo reads the same WordPiece tokens as the tiny BERT (each through its characters), without
[CLS] and [SEP]; its layers are the token layer and each LSTM level, each ``[forward; backward]``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from lessons_lib.checks import check_int, check_number, check_strings
from lessons_lib.models.bert import BertModel
from lessons_lib.models.elmo import ElmoBiLM
from lessons_lib.tokenizers.elmo_chars import batch_char_ids, elmo_char_ids
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer


def word_vectors_by_layer(model: BertModel | ElmoBiLM, tokenizer: WordPieceTokenizer, sentence: str, word: str) -> Tensor:
    """(layers + 1, H): the vector of ``word``'s first piece in ``sentence`` after the embeddings and each layer."""
    return _word_vectors(model, tokenizer, sentence, word, "sentence")


def cosine_by_layer(model: BertModel | ElmoBiLM, tokenizer: WordPieceTokenizer, first: str, second: str, word: str) -> list[float]:
    """Cosine similarity of ``word`` in two sentences, at the embedding (token) layer and after every block."""
    a = _word_vectors(model, tokenizer, first, word, "first")
    b = _word_vectors(model, tokenizer, second, word, "second")
    return F.cosine_similarity(a, b, dim=-1).tolist()


def word_position(tokenizer: WordPieceTokenizer, sentence: str, word: str, *, sentence_name: str = "sentence"
                  ) -> tuple[list[str], int]:
    """``sentence``'s WordPiece tokens and the index of ``word``'s first piece among them (first use)."""
    if not isinstance(sentence, str):
        raise TypeError(f"{sentence_name} must be a str, got {type(sentence).__name__}")
    if not isinstance(word, str):
        raise TypeError(f"word must be a str, got {type(word).__name__}")
    tokens = tokenizer.tokenize(sentence)
    pieces = tokenizer.tokenize(word)
    if not pieces:
        raise ValueError(f"word {word!r} gives no tokens")
    where = next((i for i in range(len(tokens)) if tokens[i : i + len(pieces)] == pieces), None)
    if where is None:
        raise ValueError(f"word {word!r} does not occur in {sentence_name} {sentence!r}")
    return tokens, where


def sentence_layers(model: ElmoBiLM, tokenizer: WordPieceTokenizer, sentences: list[str], *, batch_size: int = 32
                    ) -> list[tuple[list[str], Tensor]]:
    """Each sentence's WordPiece tokens and ELMo's L + 1 layers over them: (tokens, (L + 1, T, 2P))."""
    if not isinstance(model, ElmoBiLM):
        raise TypeError(f"model must be an ElmoBiLM, got {type(model).__name__}")
    sentences = check_strings("sentences", sentences)
    check_int("batch_size", batch_size, low=1)
    tokens = [tokenizer.tokenize(s) for s in sentences]
    empty = next((i for i, t in enumerate(tokens) if not t), None)
    if empty is not None:
        raise ValueError(f"sentences[{empty}] gives no tokens: {sentences[empty]!r}")
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(tokens), batch_size):
            chunk = tokens[start : start + batch_size]
            layers = torch.stack(model(batch_char_ids(chunk), logits=False).representations, dim=1)  # (B, L+1, T, 2P)
            out += [(t, layers[i, :, : len(t)]) for i, t in enumerate(chunk)]  # padding cut off
    return out


def direction_sensitivity(model: ElmoBiLM, words: list[str], layer: int, *, replacement: str = "xyzzy",
                          threshold: float = 1e-4) -> dict[str, Tensor]:
    """Which outputs move when one input word changes: (T, T) booleans, row i = output i, column j = word j.

    Word j is replaced by ``replacement`` in turn; "forward" and "backward" look at each half of
    ELMo's ``layer``, "both" at their concatenation. An output "moves" when some coordinate changes
    by more than ``threshold``: float32 rounding alone (a batch of another shape sums in another
    order) changes coordinates by about 1e-6, a real dependence by far more.
    """
    if not isinstance(model, ElmoBiLM):
        raise TypeError(f"model must be an ElmoBiLM, got {type(model).__name__}")
    words = check_strings("words", words)
    check_int("layer", layer, low=0, high=model.config.num_layers)
    check_number("threshold", threshold, low=0.0)
    half = model.config.projection_size
    variants = [words] + [[replacement if k == j else w for k, w in enumerate(words)] for j in range(len(words))]
    model.eval()
    with torch.no_grad():
        h = model(batch_char_ids(variants), logits=False).representations[layer]  # (1 + T, T, 2P)
    moved = (h[1:] - h[:1]).abs()  # (changed j, output i, 2P)
    forward = moved[..., :half].amax(-1).gt(threshold).T  # (i, j)
    backward = moved[..., half:].amax(-1).gt(threshold).T
    return {"forward": forward, "backward": backward, "both": forward | backward}


def _word_vectors(model: BertModel | ElmoBiLM, tokenizer: WordPieceTokenizer, sentence: str, word: str,
                  sentence_name: str) -> Tensor:
    # sentence_name: the caller's name for the sentence argument, so an error names it.
    if not isinstance(model, BertModel | ElmoBiLM):
        raise TypeError(f"model must be a BertModel or an ElmoBiLM, got {type(model).__name__}")
    tokens, where = word_position(tokenizer, sentence, word, sentence_name=sentence_name)
    model.eval()
    with torch.no_grad():
        if isinstance(model, ElmoBiLM):
            out = model(elmo_char_ids(tokens)[None], logits=False)
            return torch.stack([h[0, where] for h in out.representations])
        ids = torch.tensor([[tokenizer.cls_id, *tokenizer.convert_tokens_to_ids(tokens), tokenizer.sep_id]])
        out = model(ids, output_hidden_states=True)
    return torch.stack([h[0, where + 1] for h in out.hidden_states])  # +1 skips [CLS]
