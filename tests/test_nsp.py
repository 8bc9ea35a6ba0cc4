"""Tests for lessons_lib.nsp: NSP pair making, pair truncation, encoding and collation."""

from collections import Counter

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.nsp import (
    NspPair,
    PairEncoding,
    collate_pairs,
    encode_pair,
    make_nsp_pairs,
    truncate_pair,
)

SETTINGS = settings(max_examples=60, deadline=None)
CLS, SEP, PAD = 101, 102, 0


def _corpus(lengths: list[int]) -> list[list[str]]:
    """Documents with unique sentences "d<doc> s<index>", so a sentence tells where it is."""
    return [[f"d{d} s{i}" for i in range(n)] for d, n in enumerate(lengths)]


def _where(documents: list[list[str]]) -> dict[str, tuple[int, int]]:
    return {s: (d, i) for d, doc in enumerate(documents) for i, s in enumerate(doc)}


# At least two non-empty documents and at least one of two or more sentences.
doc_lengths = st.lists(st.integers(0, 12), min_size=2, max_size=8).filter(
    lambda ls: sum(n > 0 for n in ls) >= 2 and max(ls) >= 2
)
seeds = st.integers(0, 2**32)
token_lists = st.lists(st.integers(0, 999), max_size=40)


# --- make_nsp_pairs -----------------------------------------------------------------------


@SETTINGS
@given(doc_lengths, seeds, st.booleans())
def test_every_anchor_used_once_in_document_order(lengths, seed, hard):
    docs = _corpus(lengths)
    pairs = make_nsp_pairs(docs, seed=seed, hard_negatives=hard)
    expected = [s for doc in docs for s in doc[:-1]]
    assert [p.a for p in pairs] == expected
    assert all(isinstance(p, NspPair) for p in pairs)


@SETTINGS
@given(doc_lengths, seeds, st.booleans())
def test_balanced_within_one_and_positives_are_true_successors(lengths, seed, hard):
    docs = _corpus(lengths)
    where = _where(docs)
    pairs = make_nsp_pairs(docs, seed=seed, hard_negatives=hard)
    n_pos = sum(p.is_next for p in pairs)
    n_neg = len(pairs) - n_pos
    assert abs(n_pos - n_neg) <= 1
    for p in pairs:
        (da, ia), (db, ib) = where[p.a], where[p.b]
        if p.is_next:
            assert (db, ib) == (da, ia + 1)
        else:
            assert (db, ib) != (da, ia + 1)


@SETTINGS
@given(doc_lengths, seeds)
def test_default_negatives_come_from_another_document(lengths, seed):
    docs = _corpus(lengths)
    where = _where(docs)
    for p in make_nsp_pairs(docs, seed=seed):
        if not p.is_next:
            assert where[p.b][0] != where[p.a][0]


@SETTINGS
@given(doc_lengths, seeds)
def test_hard_negatives_same_document_not_adjacent_when_possible(lengths, seed):
    docs = _corpus(lengths)
    where = _where(docs)
    for p in make_nsp_pairs(docs, seed=seed, hard_negatives=True):
        if p.is_next:
            continue
        (da, ia), (db, ib) = where[p.a], where[p.b]
        possible = any(abs(j - ia) > 1 for j in range(len(docs[da])))
        if possible:
            assert db == da and abs(ib - ia) > 1
        else:  # fallback: another document
            assert db != da


@SETTINGS
@given(doc_lengths, seeds, st.booleans())
def test_deterministic_for_a_seed(lengths, seed, hard):
    docs = _corpus(lengths)
    first = make_nsp_pairs(docs, seed=seed, hard_negatives=hard)
    assert make_nsp_pairs(docs, seed=seed, hard_negatives=hard) == first


def test_input_untouched_and_global_rng_unused():
    import random

    docs = _corpus([5, 4, 6])
    copy = [list(d) for d in docs]
    random.seed(123)
    state = random.getstate()
    make_nsp_pairs(docs, seed=3, hard_negatives=True)
    assert random.getstate() == state
    assert docs == copy


def test_seed_changes_the_pairs_and_negatives_are_spread():
    docs = _corpus([30, 30, 30, 30])
    a = make_nsp_pairs(docs, seed=0)
    b = make_nsp_pairs(docs, seed=1)
    assert [p.is_next for p in a] != [p.is_next for p in b]
    # The negatives are chosen by a shuffle, not "the first half of the corpus".
    flags = [p.is_next for p in a]
    half = len(flags) // 2
    assert 0 < sum(flags[:half]) < half
    # Negatives reach every other document, not one fixed partner.
    where = _where(docs)
    partners = {where[p.b][0] for p in a if not p.is_next and where[p.a][0] == 0}
    assert partners == {1, 2, 3}


def test_default_negatives_roughly_uniform_over_other_sentences():
    # Doc 0 is long, docs 1 and 2 short: drawing by sentence (not by document) makes
    # B land in the long document far more often when A sits in a short one.
    docs = _corpus([200, 10, 10])
    where = _where(docs)
    counts = Counter(
        where[p.b][0] for p in make_nsp_pairs(docs, seed=0) if not p.is_next and where[p.a][0] != 0
    )
    assert counts[0] > 3 * (counts[1] + counts[2])


def test_hard_negative_fallback_for_short_documents():
    # Two sentences: A = s0 has only its successor in the document, so B must come from elsewhere.
    docs = _corpus([2, 2, 2, 2])
    where = _where(docs)
    negatives = [p for p in make_nsp_pairs(docs, seed=0, hard_negatives=True) if not p.is_next]
    assert len(negatives) == 2
    assert all(where[p.b][0] != where[p.a][0] for p in negatives)


def test_duplicate_and_empty_documents_allowed():
    docs = [["x", "y", "z"], [], ["only one"]]
    pairs = make_nsp_pairs(docs, seed=0)
    assert [p.a for p in pairs] == ["x", "y"]
    assert sum(not p.is_next for p in pairs) == 1
    assert next(p.b for p in pairs if not p.is_next) == "only one"


@pytest.mark.parametrize(
    "documents, error",
    [
        ("a b. c d.", TypeError),
        (("ab", "cd"), TypeError),
        ([["a", "b"], "c d"], TypeError),
        ([["a", "b"], ["c", 3]], TypeError),
        ([], ValueError),
        ([["a", "b", "c"]], ValueError),
        ([["a", "b"], []], ValueError),
        ([["a"], ["b"], ["c"]], ValueError),
    ],
)
def test_bad_documents(documents, error):
    with pytest.raises(error, match="documents"):
        make_nsp_pairs(documents)


def test_bad_seed_and_flag():
    docs = _corpus([3, 3])
    with pytest.raises(TypeError, match="seed"):
        make_nsp_pairs(docs, seed="0")
    with pytest.raises(TypeError, match="seed"):
        make_nsp_pairs(docs, seed=1.5)
    with pytest.raises(TypeError, match="hard_negatives"):
        make_nsp_pairs(docs, hard_negatives="yes")


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
        kept_a, kept_b = truncate_pair(a, b, max_len - 3)
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


# --- the default corpus -------------------------------------------------------------------


@pytest.fixture(scope="module")
def train_documents():
    corpus = pytest.importorskip("lessons_lib.corpus")
    try:
        return corpus.load_corpus().train
    except (FileNotFoundError, ImportError) as err:  # the bundled text is not installed
        pytest.skip(f"default corpus unavailable: {err}")


@pytest.mark.parametrize("hard", [False, True])
def test_on_the_default_corpus(train_documents, hard):
    docs = train_documents
    pairs = make_nsp_pairs(docs, seed=0, hard_negatives=hard)
    assert [p.a for p in pairs] == [s for doc in docs for s in doc[:-1]]
    n_pos = sum(p.is_next for p in pairs)
    assert abs(2 * n_pos - len(pairs)) <= 1
    # Real text repeats a few sentences across documents, so map a sentence to all its homes.
    homes: dict[str, set[int]] = {}
    for d, doc in enumerate(docs):
        for s in doc:
            homes.setdefault(s, set()).add(d)
    anchors = [(d, i) for d, doc in enumerate(docs) for i in range(len(doc) - 1)]
    same_doc = 0
    for (d, i), p in zip(anchors, pairs, strict=True):
        if p.is_next:
            assert p.b == docs[d][i + 1]
        elif not hard:
            assert homes[p.b] - {d}
        elif any(abs(j - i) > 1 for j in range(len(docs[d]))):
            assert any(s == p.b and abs(j - i) > 1 for j, s in enumerate(docs[d]))
            same_doc += 1
    if hard:
        # Most documents are long enough that nearly every hard negative stays in its document.
        assert same_doc > 0.9 * (len(pairs) - n_pos)


def test_default_corpus_encodes_and_collates(train_documents):
    pairs = make_nsp_pairs(train_documents, seed=0)[:16]
    vocab = {"[PAD]": 0, "[CLS]": 1, "[SEP]": 2}
    for p in pairs:
        for word in (p.a + " " + p.b).split():
            vocab.setdefault(word, len(vocab))
    encodings = [
        encode_pair(
            [vocab[w] for w in p.a.split()],
            [vocab[w] for w in p.b.split()],
            cls_id=1,
            sep_id=2,
            max_len=32,
        )
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
