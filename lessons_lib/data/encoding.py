"""Encoding text for BERT: ``[CLS] text [SEP]``, ``[CLS] A [SEP] B [SEP]``, and padding into a batch.

A pair is encoded with segment ids (0 for ``[CLS]``, A and the first ``[SEP]``; 1 for B and the last
``[SEP]``), after cutting it to a length budget the way BERT's reference code does
(`truncate_pair`); `collate_pairs` pads encodings to the longest one and adds the 1/0 padding mask.
`pad_rows` is the padding every batch of uneven rows uses; `padded_batch` pads tokenized sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch

from lessons_lib.checks import check_int, check_strings, check_token_ids


class PairEncoding(NamedTuple):
    """A sentence pair as token ids ``[CLS] A [SEP] B [SEP]`` and their segment ids."""

    input_ids: list[int]
    token_type_ids: list[int]  # 0 for [CLS], A and the first [SEP]; 1 for B and the last [SEP]


def truncate_pair(tokens_a: list, tokens_b: list, max_tokens: int) -> tuple[list, list]:
    """Cut tokens off the end of the longer side (B on a tie) until both fit in `max_tokens`."""
    for name, tokens in (("tokens_a", tokens_a), ("tokens_b", tokens_b)):
        if not isinstance(tokens, (list, tuple)):
            raise TypeError(
                f"{name} must be a list or tuple of tokens, got {type(tokens).__name__}"
            )
    max_tokens = check_int("max_tokens", max_tokens, low=2)
    # Trimming the longer side keeps as much of the shorter sentence as possible: a short
    # sentence loses a larger share of its meaning per token than a long one.
    len_a, len_b = len(tokens_a), len(tokens_b)
    while len_a + len_b > max_tokens:
        if len_a > len_b:
            len_a -= 1
        else:
            len_b -= 1
    return list(tokens_a[:len_a]), list(tokens_b[:len_b])


def encode_pair(
    ids_a: list[int], ids_b: list[int], *, cls_id: int, sep_id: int, max_len: int | None = None
) -> PairEncoding:
    """``[CLS] A [SEP] B [SEP]`` with segment ids, truncated first to `max_len` if given."""
    ids_a, ids_b = check_token_ids("ids_a", ids_a), check_token_ids("ids_b", ids_b)  # NumPy ints become ints
    cls_id, sep_id = check_int("cls_id", cls_id, low=0), check_int("sep_id", sep_id, low=0)
    if max_len is not None:
        max_len = check_int("max_len", max_len, low=5)
        # Three places are taken by [CLS] and the two [SEP]s.
        ids_a, ids_b = truncate_pair(ids_a, ids_b, max_len - 3)
    input_ids = [cls_id, *ids_a, sep_id, *ids_b, sep_id]
    token_type_ids = [0] * (len(ids_a) + 2) + [1] * (len(ids_b) + 1)
    return PairEncoding(input_ids, token_type_ids)


def collate_pairs(encodings: list[PairEncoding], *, pad_id: int) -> dict[str, torch.Tensor]:
    """Pad encoded pairs to the longest one: input_ids, token_type_ids, attention_mask (B, T)."""
    if not isinstance(encodings, (list, tuple)) or not encodings:
        raise ValueError("encodings must be a non-empty list of PairEncoding")
    for n, enc in enumerate(encodings):
        if not isinstance(enc, PairEncoding):
            raise TypeError(
                f"encodings must be a list of PairEncoding, item {n} is {type(enc).__name__}"
            )
        if len(enc.input_ids) != len(enc.token_type_ids):
            raise ValueError(
                f"encodings[{n}] has {len(enc.input_ids)} input_ids but "
                f"{len(enc.token_type_ids)} token_type_ids; they must be equally long"
            )
    check_int("pad_id", pad_id, low=0)
    try:  # checked by the conversion itself: no extra pass in a training loop
        input_ids, attention_mask = pad_rows([enc.input_ids for enc in encodings], pad_id)  # (B, T) each
        # Padding gets segment 0 and mask 0; the mask alone keeps attention off the padding.
        token_type_ids, _ = pad_rows([enc.token_type_ids for enc in encodings], 0)  # (B, T)
    except (TypeError, ValueError, RuntimeError):  # only now look for the row that failed
        row = next(n for n, enc in enumerate(encodings) if not _all_ints(enc.input_ids + enc.token_type_ids))
        enc = encodings[row]
        raise TypeError(f"encodings[{row}] must hold token ids (ints), got input_ids {enc.input_ids[:5]!r} and "
                        f"token_type_ids {enc.token_type_ids[:5]!r}; encode texts with encode_pair first") from None
    return {
        "input_ids": input_ids,
        "token_type_ids": token_type_ids,
        "attention_mask": attention_mask,
    }




def encode_texts(tokenizer, texts: Sequence[str], max_len: int = 64) -> dict[str, torch.Tensor]:
    """``[CLS] text [SEP]`` for each text (cut to ``max_len``), padded into one batch."""
    texts = check_strings("texts", texts)
    missing = [name for name in ("cls_id", "sep_id", "pad_id") if not hasattr(tokenizer, name)]
    if missing:  # e.g. GPT-2's byte-level BPE: no [CLS], [SEP] or [PAD]
        raise TypeError(f"tokenizer must be a BERT tokenizer (a WordPieceTokenizer, with [CLS], [SEP] and [PAD]); "
                        f"{type(tokenizer).__name__} has no {', '.join(missing)}")
    max_len = check_int("max_len", max_len, low=3)  # [CLS], one token, [SEP]
    encodings = []
    for text in texts:
        ids = tokenizer.encode(text)[: max_len - 2]
        encodings.append(PairEncoding([tokenizer.cls_id, *ids, tokenizer.sep_id], [0] * (len(ids) + 2)))
    return collate_pairs(encodings, pad_id=tokenizer.pad_id)


def _all_ints(values: Sequence) -> bool:
    try:
        torch.tensor(list(values), dtype=torch.long)
    except (TypeError, ValueError, RuntimeError):
        return False
    return True


def pad_rows(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows of ids of any lengths -> (B, T) ids padded at the end with ``pad_id``, and the (B, T) 1/0 attention mask."""
    rows = [list(row) for row in rows]
    if not rows or not all(rows):
        raise ValueError("rows must be a non-empty list of non-empty id lists")
    lengths = torch.tensor([len(row) for row in rows])  # (B,)
    ids = torch.full((len(rows), int(lengths.max())), check_int("pad_id", pad_id, low=0), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return ids, (torch.arange(ids.shape[1])[None] < lengths[:, None]).long()  # real tokens before the padding


def padded_batch(tokenizer, sentences: Sequence[str], *, max_tokens: int = 16
                 ) -> tuple[torch.Tensor, torch.Tensor, list[list[str]]]:
    """Each sentence's tokens (cut to ``max_tokens``; [UNK] if none), padded: ids (B, T), 1/0 mask, tokens per row."""
    sentences = check_strings("sentences", sentences)
    check_int("max_tokens", max_tokens, low=1)
    if not all(callable(getattr(tokenizer, name, None)) for name in ("encode", "convert_ids_to_tokens")):
        raise TypeError(f"tokenizer must be a WordPiece tokenizer, got {type(tokenizer).__name__}")
    ids, attention = pad_rows([tokenizer.encode(s)[:max_tokens] or [tokenizer.unk_id] for s in sentences],
                              tokenizer.pad_id)
    return ids, attention, [tokenizer.convert_ids_to_tokens(row.tolist()) for row in ids]
