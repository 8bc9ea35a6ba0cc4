"""Span pairs (`make_span_pairs`), span pre-training data, and make_nsp_pairs' refusals as properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.nsp import NspPair, make_nsp_pairs, make_span_pairs
from lessons_lib.pretraining import PretrainingStream, encode_documents
from lessons_lib.tokenizer import WordPieceTokenizer

SETTINGS = settings(max_examples=60, deadline=None)
seeds = st.integers(0, 2**32)


def _corpus(lengths: list[int]) -> list[list[str]]:
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
    docs = _corpus(lengths)
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
    docs = _corpus([5, 1, 4])
    assert [p.a for p in make_span_pairs(docs, span=1, stride=1)] == [p.a for p in make_nsp_pairs(docs)]


def test_span_negatives_spread_over_other_documents():
    docs = _corpus([40, 40, 40, 40])
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
        make_span_pairs(_corpus([6, 6]), **kwargs)


def test_span_pairs_need_a_second_document_long_enough():
    with pytest.raises(ValueError, match="at least two documents of 3"):
        make_span_pairs(_corpus([8, 2]), span=3)
    with pytest.raises(TypeError, match="documents"):
        make_span_pairs("not documents", span=1)


@SETTINGS
@given(st.lists(st.integers(0, 1), min_size=0, max_size=6), seeds)
def test_make_nsp_pairs_refuses_corpora_without_a_next_sentence(lengths, seed):
    # Empty input, fewer than two non-empty documents, or only one-sentence documents: all refused.
    with pytest.raises(ValueError, match="documents must hold at least"):
        make_nsp_pairs(_corpus(lengths), seed=seed)


@SETTINGS
@given(st.integers(2, 12), st.lists(st.just(0), max_size=4), seeds)
def test_make_nsp_pairs_refuses_a_single_document(n, empties, seed):
    with pytest.raises(ValueError, match="two non-empty documents"):
        make_nsp_pairs(_corpus([n, *empties]), seed=seed)


def test_span_pre_training_stream():
    docs = [[f"w{d} x{i} ." for i in range(8)] for d in range(4)]
    tokenizer = WordPieceTokenizer.train([s for doc in docs for s in doc], 60, show_progress=False)
    examples = encode_documents(docs, tokenizer, max_len=40, span=3)
    assert len(examples) == 4 * (8 - 6 + 1)  # a span of A may start at every sentence with room for B
    segment_a = examples[0].encoding.token_type_ids.count(0) - 2  # minus [CLS] and the first [SEP]
    assert segment_a == len(tokenizer.encode(" ".join(docs[0][:3])))
    stream = PretrainingStream(docs, tokenizer, batch_size=4, max_len=40, span=3)
    assert stream.batch(0)["input_ids"].shape[0] == 4
    with pytest.raises(ValueError, match="hard_negatives"):
        encode_documents(docs, tokenizer, span=2, hard_negatives=True)
