"""lessons_lib.objectives.nsp: next-sentence pairs of sentences (make_nsp_pairs) and of spans (make_span_pairs)."""

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.data.corpus import load_corpus
from lessons_lib.objectives.nsp import IS_NEXT, NOT_NEXT, NspPair, make_nsp_pairs, make_span_pairs

SETTINGS = settings(max_examples=60, deadline=None)


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


# --- make_nsp_pairs -----------------------------------------------------------------------


def test_labels_are_those_of_the_released_bert_checkpoints():
    assert (IS_NEXT, NOT_NEXT) == (0, 1)


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


# --- the default corpus -------------------------------------------------------------------


@pytest.fixture(scope="module")
def train_documents():
    return load_corpus().train


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


# --- make_span_pairs ----------------------------------------------------------------------


def _span_corpus(lengths: list[int]) -> list[list[str]]:
    """Documents with unique one-word sentences "d<doc>s<index>", so a sentence tells where it is."""
    return [[f"d{d}s{i}" for i in range(n)] for d, n in enumerate(lengths)]


def _spans(text: str) -> list[tuple[int, int]]:
    """The (document, sentence) positions of a span's sentences, in order."""
    return [tuple(int(x) for x in word[1:].split("s")) for word in text.split()]


@st.composite
def span_corpora(draw):
    """A span size and documents of which at least one holds 2 * span sentences and two hold span."""
    span = draw(st.integers(1, 4))
    lengths = draw(st.lists(st.integers(0, 14), min_size=2, max_size=7))
    lengths[0] = max(lengths[0], 2 * span)
    lengths[1] = max(lengths[1], span)
    return span, lengths, draw(st.integers(1, 4))


@SETTINGS
@given(span_corpora(), seeds)
def test_span_pairs_anchors_balance_and_sources(corpus, seed):
    span, lengths, stride = corpus
    docs = _span_corpus(lengths)
    pairs = make_span_pairs(docs, span=span, seed=seed, stride=stride)
    # Every start that leaves room for A and a following B, every `stride` sentences, in document order.
    expected = [(d, i) for d, n in enumerate(lengths) for i in range(0, n - 2 * span + 1, stride)]
    assert [_spans(p.a)[0] for p in pairs] == expected
    assert all(isinstance(p, NspPair) for p in pairs)
    n_next = sum(p.is_next for p in pairs)
    assert n_next - (len(pairs) - n_next) in (0, 1)  # exactly half, IsNext gets the odd one
    for p in pairs:
        a, b = _spans(p.a), _spans(p.b)
        assert len(a) == len(b) == span
        assert all(d == a[0][0] and i == a[0][1] + k for k, (d, i) in enumerate(a))  # consecutive sentences
        assert all(d == b[0][0] and i == b[0][1] + k for k, (d, i) in enumerate(b))
        if p.is_next:
            assert b[0] == (a[0][0], a[0][1] + span)  # the very next sentences
        else:
            assert b[0][0] != a[0][0]  # from another document
    assert make_span_pairs(docs, span=span, seed=seed, stride=stride) == pairs  # deterministic


def test_span_one_stride_one_has_make_nsp_pairs_anchors():
    docs = _span_corpus([5, 1, 4])
    assert [p.a for p in make_span_pairs(docs, span=1, stride=1)] == [p.a for p in make_nsp_pairs(docs)]


def test_span_stride_defaults_to_the_span():
    docs = _span_corpus([9, 4])
    assert [_spans(p.a)[0] for p in make_span_pairs(docs, span=2)] == [(0, 0), (0, 2), (0, 4), (1, 0)]


def test_span_negatives_spread_over_other_documents():
    docs = _span_corpus([40, 40, 40, 40])
    pairs = make_span_pairs(docs, span=2, seed=3, stride=1)
    sources = {_spans(p.b)[0][0] for p in pairs if not p.is_next and _spans(p.a)[0][0] == 0}
    assert sources == {1, 2, 3}
    assert make_span_pairs(docs, span=2, seed=4, stride=1) != pairs


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"span": 0}, ValueError, "span"),
    ({"span": 1.5}, TypeError, "span"),
    ({"span": True}, TypeError, "span"),
    ({"span": 2, "stride": 0}, ValueError, "stride"),
    ({"span": 2, "seed": "x"}, TypeError, "seed"),
    ({"span": 4}, ValueError, "2 \\* span = 8"),  # no document holds 8 sentences
])
def test_span_pairs_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        make_span_pairs(_span_corpus([6, 6]), **kwargs)


def test_span_pairs_need_a_second_document_long_enough():
    with pytest.raises(ValueError, match="at least two documents of 3"):
        make_span_pairs(_span_corpus([8, 2]), span=3)
    with pytest.raises(TypeError, match="documents"):
        make_span_pairs("not documents", span=1)


@SETTINGS
@given(st.lists(st.integers(0, 1), min_size=0, max_size=6), seeds)
def test_make_nsp_pairs_refuses_corpora_without_a_next_sentence(lengths, seed):
    # Empty input, fewer than two non-empty documents, or only one-sentence documents: all refused.
    with pytest.raises(ValueError, match="documents must hold at least"):
        make_nsp_pairs(_span_corpus(lengths), seed=seed)


@SETTINGS
@given(st.integers(2, 12), st.lists(st.just(0), max_size=4), seeds)
def test_make_nsp_pairs_refuses_a_single_document(n, empties, seed):
    with pytest.raises(ValueError, match="two non-empty documents"):
        make_nsp_pairs(_span_corpus([n, *empties]), seed=seed)
