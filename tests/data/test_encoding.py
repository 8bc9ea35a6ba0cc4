"""lessons_lib.data.encoding: pair truncation, ``[CLS] A [SEP] B [SEP]`` encoding, padding, single texts, padded sentences."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.data.corpus import load_corpus
from lessons_lib.data.encoding import (
    PairEncoding,
    collate_pairs,
    encode_pair,
    encode_texts,
    pad_rows,
    padded_batch,
    truncate_pair,
)
from lessons_lib.objectives.nsp import make_nsp_pairs
from lessons_lib.tokenizers import SPECIAL_TOKENS, WordPieceTokenizer

SETTINGS = settings(max_examples=60, deadline=None)
CLS, SEP, PAD = 101, 102, 0
token_lists = st.lists(st.integers(0, 999), max_size=40)


# --- truncate_pair ------------------------------------------------------------------------


def _reference_truncate(a, b, max_tokens):
    """The step-by-step rule: pop from the longer side, from B on a tie."""
    a, b = list(a), list(b)
    while len(a) + len(b) > max_tokens:
        (a if len(a) > len(b) else b).pop()
    return a, b


@SETTINGS
@given(token_lists, token_lists, st.integers(2, 90))
def test_truncate_pair_properties(a, b, max_tokens):
    a_in, b_in = list(a), list(b)
    new_a, new_b = truncate_pair(a, b, max_tokens)
    assert (a, b) == (a_in, b_in)  # inputs untouched
    assert new_a is not a and new_b is not b
    assert len(new_a) + len(new_b) == min(len(a) + len(b), max_tokens)
    assert new_a == a[: len(new_a)] and new_b == b[: len(new_b)]  # prefixes kept
    assert (new_a, new_b) == _reference_truncate(a, b, max_tokens)
    if len(new_a) < len(a) and len(new_b) < len(b):
        # Both were cut: the longer side was cut down to the other's length (B gives first).
        assert len(new_b) <= len(new_a) <= len(new_b) + 1
    elif len(new_a) < len(a):
        assert len(new_a) >= len(new_b)  # only A was cut: it stayed the longer (or equal) side
    elif len(new_b) < len(b):
        assert len(new_b) + 1 >= len(new_a)  # only B was cut: B gives on a tie, so it may end one shorter


def test_truncate_pair_examples():
    assert truncate_pair([1, 2, 3, 4, 5], [6, 7], 5) == ([1, 2, 3], [6, 7])
    assert truncate_pair([1, 2, 3], [4, 5, 6], 5) == ([1, 2, 3], [4, 5])  # tie: from B
    assert truncate_pair([1, 2, 3], [4, 5, 6], 4) == ([1, 2], [4, 5])
    assert truncate_pair((1, 2), (3,), 10) == ([1, 2], [3])


@pytest.mark.parametrize(
    "a, b, max_tokens, error, name",
    [
        ([1], [2], 1, ValueError, "max_tokens"),
        ([1], [2], -3, ValueError, "max_tokens"),
        ([1], [2], 2.0, TypeError, "max_tokens"),
        ([1], [2], True, TypeError, "max_tokens"),
        ("abc", [2], 4, TypeError, "tokens_a"),
        ([1], None, 4, TypeError, "tokens_b"),
    ],
)
def test_truncate_pair_errors(a, b, max_tokens, error, name):
    with pytest.raises(error, match=name):
        truncate_pair(a, b, max_tokens)


# --- encode_pair --------------------------------------------------------------------------


@SETTINGS
@given(token_lists, token_lists, st.one_of(st.none(), st.integers(5, 80)))
def test_encode_pair_structure(a, b, max_len):
    enc = encode_pair(a, b, cls_id=CLS, sep_id=SEP, max_len=max_len)
    assert isinstance(enc, PairEncoding)
    if max_len is None:
        kept_a, kept_b = a, b
    else:
        kept_a, kept_b = _reference_truncate(a, b, max_len - 3)
        assert len(enc.input_ids) <= max_len
    assert enc.input_ids == [CLS, *kept_a, SEP, *kept_b, SEP]
    assert len(enc.token_type_ids) == len(enc.input_ids) == len(kept_a) + len(kept_b) + 3
    assert enc.token_type_ids == [0] * (len(kept_a) + 2) + [1] * (len(kept_b) + 1)
    # The first [SEP] closes segment A, the last one closes segment B.
    first_sep = len(kept_a) + 1
    assert enc.input_ids[first_sep] == SEP and enc.token_type_ids[first_sep] == 0
    assert enc.token_type_ids[-1] == 1


def test_encode_pair_example():
    enc = encode_pair([7, 8], [9], cls_id=1, sep_id=2)
    assert enc == PairEncoding([1, 7, 8, 2, 9, 2], [0, 0, 0, 0, 1, 1])
    enc = encode_pair([7, 8, 9, 10], [11, 12, 13], cls_id=1, sep_id=2, max_len=8)
    assert enc == PairEncoding([1, 7, 8, 9, 2, 11, 12, 2], [0, 0, 0, 0, 0, 1, 1, 1])


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"ids_a": "12"}, TypeError, "ids_a"),
        ({"ids_b": [1, "x"]}, TypeError, "ids_b"),
        ({"ids_a": [1, -1]}, ValueError, "ids_a"),
        ({"cls_id": -1}, ValueError, "cls_id"),
        ({"sep_id": 1.0}, TypeError, "sep_id"),
        ({"max_len": 4}, ValueError, "max_len"),
        ({"max_len": 10.0}, TypeError, "max_len"),
    ],
)
def test_encode_pair_errors(kwargs, error, name):
    args = {"ids_a": [5, 6], "ids_b": [7], "cls_id": CLS, "sep_id": SEP, "max_len": None}
    args.update(kwargs)
    ids_a, ids_b = args.pop("ids_a"), args.pop("ids_b")
    with pytest.raises(error, match=name):
        encode_pair(ids_a, ids_b, **args)


# --- collate_pairs ------------------------------------------------------------------------


@SETTINGS
@given(st.lists(st.tuples(token_lists, token_lists), min_size=1, max_size=6))
def test_collate_shapes_and_padding(pairs):
    encodings = [encode_pair(a, b, cls_id=CLS, sep_id=SEP) for a, b in pairs]
    batch = collate_pairs(encodings, pad_id=PAD)
    width = max(len(e.input_ids) for e in encodings)
    assert set(batch) == {"input_ids", "token_type_ids", "attention_mask"}
    for tensor in batch.values():
        assert tensor.shape == (len(encodings), width)
        assert tensor.dtype == torch.long
    for row, enc in enumerate(encodings):
        n = len(enc.input_ids)
        assert batch["input_ids"][row, :n].tolist() == enc.input_ids
        assert batch["token_type_ids"][row, :n].tolist() == enc.token_type_ids
        assert batch["attention_mask"][row].tolist() == [1] * n + [0] * (width - n)
        assert batch["input_ids"][row, n:].tolist() == [PAD] * (width - n)
        assert batch["token_type_ids"][row, n:].tolist() == [0] * (width - n)


def test_collate_errors():
    enc = encode_pair([1], [2], cls_id=CLS, sep_id=SEP)
    with pytest.raises(ValueError, match="encodings"):
        collate_pairs([], pad_id=PAD)
    with pytest.raises(TypeError, match="encodings"):
        collate_pairs([([1, 2], [0, 1])], pad_id=PAD)
    with pytest.raises(ValueError, match="encodings"):
        collate_pairs([PairEncoding([1, 2, 3], [0, 0])], pad_id=PAD)
    with pytest.raises(ValueError, match="pad_id"):
        collate_pairs([enc], pad_id=-1)
    with pytest.raises(TypeError, match="pad_id"):
        collate_pairs([enc], pad_id=None)


def test_default_corpus_encodes_and_collates():
    pairs = make_nsp_pairs(load_corpus().train, seed=0)[:16]
    vocab = {"[PAD]": 0, "[CLS]": 1, "[SEP]": 2}
    for p in pairs:
        for word in (p.a + " " + p.b).split():
            vocab.setdefault(word, len(vocab))
    encodings = [
        encode_pair([vocab[w] for w in p.a.split()], [vocab[w] for w in p.b.split()], cls_id=1, sep_id=2, max_len=32)
        for p in pairs
    ]
    batch = collate_pairs(encodings, pad_id=0)
    assert batch["input_ids"].shape[0] == 16 and batch["input_ids"].shape[1] <= 32
    assert (batch["input_ids"][:, 0] == 1).all()
    # Every row holds exactly two [SEP]s, and segment 1 only ever follows segment 0.
    assert ((batch["input_ids"] == 2).sum(dim=1) == 2).all()
    for row, enc in enumerate(encodings):
        segments = batch["token_type_ids"][row, : len(enc.input_ids)].tolist()
        assert segments == sorted(segments) and segments[0] == 0 and segments[-1] == 1


# --- encode_texts -------------------------------------------------------------------------

WORDS = ["the", "film", "was", "plot", "acting", "really", "good", "great", "fine", "bad", "awful", "poor"]


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer([*SPECIAL_TOKENS, *WORDS])


def test_encode_texts_wraps_each_text_in_cls_and_sep_and_pads(tokenizer):
    batch = encode_texts(tokenizer, ["good film", "the plot was really bad"])
    cls, sep, pad = tokenizer.cls_id, tokenizer.sep_id, tokenizer.pad_id
    good, film = tokenizer.encode("good film")
    assert batch["input_ids"].tolist() == [
        [cls, good, film, sep, pad, pad, pad],
        [cls, *tokenizer.encode("the plot was really bad"), sep],
    ]
    assert batch["token_type_ids"].tolist() == [[0] * 7, [0] * 7]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1, 0, 0, 0], [1] * 7]


def test_encode_texts_cuts_to_max_len(tokenizer):
    cls, sep = tokenizer.cls_id, tokenizer.sep_id
    the, plot = tokenizer.encode("the plot")
    assert encode_texts(tokenizer, ["the plot was really bad"], max_len=4)["input_ids"].tolist() == [[cls, the, plot, sep]]
    assert encode_texts(tokenizer, ["the plot was really bad"], max_len=3)["input_ids"].tolist() == [[cls, the, sep]]
    assert encode_texts(tokenizer, ["good"], max_len=10)["input_ids"].shape == (1, 3)  # short texts stay short


def test_bad_input_to_encode_texts(tokenizer):
    with pytest.raises(TypeError, match="texts"):
        encode_texts(tokenizer, "good film")
    with pytest.raises(ValueError, match="texts"):
        encode_texts(tokenizer, [])
    with pytest.raises(ValueError, match="max_len"):
        encode_texts(tokenizer, ["good film"], max_len=2)


def test_pad_rows_pads_at_the_end_and_marks_real_tokens():
    ids, mask = pad_rows([[5, 6, 7], [8], (9, 10)], pad_id=3)
    assert ids.tolist() == [[5, 6, 7], [8, 3, 3], [9, 10, 3]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0], [1, 1, 0]] and ids.dtype == mask.dtype == torch.long
    with pytest.raises(ValueError, match="rows"):
        pad_rows([[1], []], pad_id=0)
    with pytest.raises(ValueError, match="pad_id"):
        pad_rows([[1]], pad_id=-1)


def test_padded_batch_cuts_pads_and_names_the_tokens():
    tokenizer = WordPieceTokenizer([*SPECIAL_TOKENS, "the", "cat", "sat"], lowercase=False)
    ids, mask, tokens = padded_batch(tokenizer, ["the cat sat the cat", "cat", ""], max_tokens=4)
    assert ids.shape == (3, 4) and mask.sum(1).tolist() == [4, 1, 1]
    assert tokens[1] == ["cat", "[PAD]", "[PAD]", "[PAD]"] and tokens[2][0] == "[UNK]"  # empty: one [UNK]
    with pytest.raises(TypeError, match="tokenizer"):
        padded_batch("tokenizer", ["the"])
