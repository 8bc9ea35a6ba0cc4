"""Tests for lessons_lib.nsp_eval: P(IsNext) from the NSP head, confusion matrix, candidate B sentences."""

import pytest
import torch

from lessons_lib.bert import BertConfig, BertForPreTraining
from lessons_lib.nsp import NspPair, collate_pairs, encode_pair
from lessons_lib.nsp_eval import (
    CANDIDATE_KINDS,
    candidate_next_sentences,
    confusion_matrix,
    is_next_probability,
)
from lessons_lib.tokenizer import WordPieceTokenizer

DOCUMENTS = [
    ["the cat sat on the mat .", "it purred all day .", "then it slept .", "the dog barked ."],
    ["rain fell on the town .", "the river rose fast ."],
    ["markets opened lower today .", "shares in banks fell .", "the dollar was steady .",
     "gold rose a little .", "traders were calm ."],
]


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer.train([s for doc in DOCUMENTS for s in doc], 120, show_progress=False)


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_layers=1, num_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    return BertForPreTraining(config).eval()


def test_probability_equals_the_softmax_of_the_full_model(model, tokenizer):
    pairs = [(DOCUMENTS[0][0], DOCUMENTS[0][1]), NspPair(DOCUMENTS[1][0], DOCUMENTS[2][3], False)]
    p = is_next_probability(model, tokenizer, pairs)
    assert p.shape == (2,) and bool(((p > 0) & (p < 1)).all())
    for n, (a, b, *_) in enumerate(pairs):
        enc = encode_pair(tokenizer.encode(a), tokenizer.encode(b), cls_id=tokenizer.cls_id, sep_id=tokenizer.sep_id)
        batch = collate_pairs([enc], pad_id=tokenizer.pad_id)
        with torch.no_grad():
            _, nsp_logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        # Index 0 is IsNext, as in the released BERT checkpoints.
        torch.testing.assert_close(p[n], nsp_logits.softmax(-1)[0, 0])


def test_batching_and_padding_do_not_change_the_probabilities(model, tokenizer):
    pairs = [(a, b) for doc in DOCUMENTS for a, b in zip(doc, doc[1:], strict=False)]
    together = is_next_probability(model, tokenizer, pairs, batch_size=64)
    one_by_one = is_next_probability(model, tokenizer, pairs, batch_size=1)
    torch.testing.assert_close(together, one_by_one, atol=1e-5, rtol=1e-5)


def test_training_mode_is_restored(model, tokenizer):
    model.train()
    first = is_next_probability(model, tokenizer, [(DOCUMENTS[0][0], DOCUMENTS[0][1])])
    assert model.training
    second = is_next_probability(model, tokenizer, [(DOCUMENTS[0][0], DOCUMENTS[0][1])])
    torch.testing.assert_close(first, second)  # dropout was off while scoring
    model.eval()


def test_long_pairs_are_truncated_to_max_len(model, tokenizer):
    long = " ".join(DOCUMENTS[2]) * 3
    p = is_next_probability(model, tokenizer, [(long, long)], max_len=20)
    assert p.shape == (1,)


def test_bad_input_to_is_next_probability(model, tokenizer):
    with pytest.raises(TypeError, match="model"):
        is_next_probability(model.bert, tokenizer, [("a", "b")])
    with pytest.raises(TypeError, match="tokenizer"):
        is_next_probability(model, "tok", [("a", "b")])
    with pytest.raises(ValueError, match="pairs"):
        is_next_probability(model, tokenizer, [])
    with pytest.raises(TypeError, match="pairs"):
        is_next_probability(model, tokenizer, [("a", 3)])
    with pytest.raises(ValueError, match="max_len"):
        is_next_probability(model, tokenizer, [("a", "b")], max_len=4)
    with pytest.raises(ValueError, match="max_len"):
        is_next_probability(model, tokenizer, [("a", "b")], max_len=65)
    with pytest.raises(ValueError, match="batch_size"):
        is_next_probability(model, tokenizer, [("a", "b")], batch_size=0)


def test_confusion_matrix_counts_by_truth_and_call():
    labels = [True, True, True, False, False]
    p = torch.tensor([0.9, 0.6, 0.2, 0.7, 0.1])
    assert confusion_matrix(labels, p).tolist() == [[2, 1], [1, 1]]
    assert confusion_matrix(labels, p, threshold=0.65).tolist() == [[1, 2], [1, 1]]
    assert int(confusion_matrix(labels, p).sum()) == len(labels)


def test_bad_input_to_confusion_matrix():
    with pytest.raises(ValueError, match="equally long"):
        confusion_matrix([True], torch.tensor([0.5, 0.5]))
    with pytest.raises(TypeError, match="p_is_next"):
        confusion_matrix([True], [0.5])
    with pytest.raises(TypeError, match="is_next"):
        confusion_matrix([1], torch.tensor([0.5]))
    with pytest.raises(ValueError, match="threshold"):
        confusion_matrix([True], torch.tensor([0.5]), threshold=1.0)


def test_candidates_true_next_then_same_document_then_other_documents():
    candidates = candidate_next_sentences(DOCUMENTS, 2, 1, n_other=3, seed=5)
    kinds = [kind for kind, _ in candidates]
    assert kinds == [CANDIDATE_KINDS[0], CANDIDATE_KINDS[1]] + [CANDIDATE_KINDS[2]] * 3
    assert candidates[0][1] == DOCUMENTS[2][2]
    assert candidates[1][1] in (DOCUMENTS[2][3], DOCUMENTS[2][4])  # not A, not next to it
    assert all(s not in DOCUMENTS[2] for _, s in candidates[2:])
    assert candidates == candidate_next_sentences(DOCUMENTS, 2, 1, n_other=3, seed=5)
    draws = {tuple(candidate_next_sentences(DOCUMENTS, 2, 1, n_other=3, seed=s)) for s in range(10)}
    assert len(draws) > 1  # another seed, other candidates


def test_no_same_document_candidate_when_the_document_is_too_short():
    candidates = candidate_next_sentences(DOCUMENTS, 1, 0, n_other=2)
    assert [kind for kind, _ in candidates] == [CANDIDATE_KINDS[0]] + [CANDIDATE_KINDS[2]] * 2


def test_bad_input_to_candidates():
    with pytest.raises(ValueError, match="documents"):
        candidate_next_sentences(DOCUMENTS[:1], 0, 0)
    with pytest.raises(ValueError, match="doc_index"):
        candidate_next_sentences(DOCUMENTS, 3, 0)
    with pytest.raises(ValueError, match="sentence_index"):
        candidate_next_sentences(DOCUMENTS, 1, 1)  # the last sentence has no next sentence
    with pytest.raises(ValueError, match="n_other"):
        candidate_next_sentences(DOCUMENTS, 0, 0, n_other=-1)
    with pytest.raises(ValueError, match="n_other"):
        candidate_next_sentences(DOCUMENTS, 0, 0, n_other=8)
