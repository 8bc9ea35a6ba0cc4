"""lessons_lib.tasks.nsp_scoring: P(IsNext) from the NSP head, confusion matrix, candidate B sentences,
and fine-tuning a classifier for NSP."""

from collections import Counter

import pytest
import torch

from lessons_lib.data.encoding import collate_pairs, encode_pair
from lessons_lib.models.bert import BertConfig, BertForPreTraining, BertForSequenceClassification
from lessons_lib.objectives.nsp import IS_NEXT, NOT_NEXT, NspPair, make_nsp_pairs
from lessons_lib.tasks.nsp_scoring import (
    CANDIDATE_KINDS,
    candidate_next_sentences,
    confusion_matrix,
    fine_tune_nsp,
    is_next_probability,
    nsp_batches,
    nsp_scores,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer

# The toy documents fill fewer tokens than asked for: the library says so, and that is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:vocab_size=.* is more than these texts can fill:UserWarning")

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
            nsp_logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"]).nsp_logits
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
    long = " ".join(DOCUMENTS[2]) * 3  # longer than the model's 64 positions
    p = is_next_probability(model, tokenizer, [(long, long)], max_len=20)
    enc = encode_pair(tokenizer.encode(long), tokenizer.encode(long), cls_id=tokenizer.cls_id,
                      sep_id=tokenizer.sep_id, max_len=20)
    assert len(enc.input_ids) == 20
    batch = collate_pairs([enc], pad_id=tokenizer.pad_id)
    with torch.no_grad():
        expected = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"]).nsp_logits.softmax(-1)
    torch.testing.assert_close(p, expected[:, IS_NEXT])


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


# ---- fine-tuning a classifier for NSP ----

def _classifier(tokenizer, num_labels=2, seed=0):
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_layers=1, num_heads=2,
                        intermediate_size=64, max_position_embeddings=64, dropout=0.0, attention_dropout=0.0)
    return BertForSequenceClassification(config, num_labels, use_pooler=True).eval()


LONG_DOCUMENTS = [[f"{word} number {n} ." for n in range(5)] for word in ("cat", "dog", "rain", "river", "gold")] * 4


def test_probability_of_a_classifier_is_the_softmax_of_its_label_0(tokenizer):
    classifier = _classifier(tokenizer)
    pairs = [(DOCUMENTS[0][0], DOCUMENTS[0][1]), (DOCUMENTS[1][0], DOCUMENTS[2][3])]
    p = is_next_probability(classifier, tokenizer, pairs)
    batch = collate_pairs([encode_pair(tokenizer.encode(a), tokenizer.encode(b), cls_id=tokenizer.cls_id,
                                       sep_id=tokenizer.sep_id) for a, b in pairs], pad_id=tokenizer.pad_id)
    expected = classifier.predict_proba(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
    torch.testing.assert_close(p, expected[:, IS_NEXT])
    with pytest.raises(ValueError, match="model must be .* 2-label"):
        is_next_probability(_classifier(tokenizer, num_labels=3), tokenizer, pairs)


def test_nsp_scores_reads_the_confusion_matrix():
    scores = nsp_scores([True, True, True, False, False], torch.tensor([0.9, 0.6, 0.2, 0.7, 0.1]))
    assert scores["pairs"] == 5 and scores["confusion"] == [[2, 1], [1, 1]]
    assert scores["accuracy"] == pytest.approx(0.6)
    assert scores["is_next_right"] == pytest.approx(2 / 3) and scores["not_next_right"] == pytest.approx(0.5)
    assert nsp_scores([True], torch.tensor([0.9]))["not_next_right"] == 0.0  # no NotNext pair: 0, not NaN
    with pytest.raises(ValueError, match="equally long"):
        nsp_scores([True], torch.tensor([0.5, 0.5]))


def test_batches_hold_labelled_pairs_and_each_pass_uses_every_pair_once(tokenizer):
    pairs = make_nsp_pairs(LONG_DOCUMENTS, seed=0)  # 80 pairs
    stream = nsp_batches(tokenizer, pairs, batch_size=8, max_len=16, seed=0)
    first_pass = [next(stream) for _ in range(len(pairs) // 8)]
    for batch in first_pass:
        assert set(batch) == {"input_ids", "token_type_ids", "attention_mask", "nsp_labels"}
        assert batch["input_ids"].shape[0] == 8 and batch["input_ids"].shape[1] <= 16
        assert batch["input_ids"].shape == batch["token_type_ids"].shape == batch["attention_mask"].shape
        assert set(batch["nsp_labels"].tolist()) <= {IS_NEXT, NOT_NEXT}
        assert (batch["input_ids"][:, 0] == tokenizer.cls_id).all()
    labels = torch.cat([b["nsp_labels"] for b in first_pass])
    assert Counter(labels.tolist()) == Counter(IS_NEXT if p.is_next else NOT_NEXT for p in pairs)
    second = next(stream)  # the stream goes on, reshuffled
    assert second["input_ids"].shape[0] == 8


def test_batch_order_is_not_the_order_make_nsp_pairs_drew_its_negatives_in(tokenizer):
    # make_nsp_pairs(docs, seed=0) gives the first half of a shuffled order its NotNext B's; a
    # batcher shuffling with the same generator would hand out every NotNext pair first.
    pairs = make_nsp_pairs(LONG_DOCUMENTS, seed=0)
    stream = nsp_batches(tokenizer, pairs, batch_size=40, seed=0)
    first_half = next(stream)["nsp_labels"].float().mean().item()
    assert 0.2 < first_half < 0.8


def test_same_seed_same_batches_other_seed_other_batches(tokenizer):
    pairs = make_nsp_pairs(LONG_DOCUMENTS, seed=0)
    one, again = (next(nsp_batches(tokenizer, pairs, batch_size=16, seed=3)) for _ in range(2))
    other = next(nsp_batches(tokenizer, pairs, batch_size=16, seed=4))
    assert torch.equal(one["input_ids"], again["input_ids"])
    assert not torch.equal(one["nsp_labels"], other["nsp_labels"]) or not torch.equal(
        one["input_ids"], other["input_ids"])


def test_bad_input_to_nsp_batches(tokenizer):
    pairs = make_nsp_pairs(DOCUMENTS, seed=0)
    with pytest.raises(TypeError, match="tokenizer"):
        nsp_batches("tok", pairs)
    with pytest.raises(ValueError, match="pairs"):
        nsp_batches(tokenizer, [])
    with pytest.raises(TypeError, match="pairs"):
        nsp_batches(tokenizer, [("a", "b")])  # no label
    with pytest.raises(ValueError, match="batch_size"):
        nsp_batches(tokenizer, pairs, batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        nsp_batches(tokenizer, pairs, batch_size=len(pairs) + 1)
    with pytest.raises(ValueError, match="max_len"):
        nsp_batches(tokenizer, pairs, batch_size=2, max_len=4)
    with pytest.raises(TypeError, match="seed"):
        nsp_batches(tokenizer, pairs, batch_size=2, seed=1.5)


def test_fine_tuning_learns_a_learnable_rule_and_leaves_frozen_weights_alone(tokenizer):
    # IsNext exactly when B is "then it slept ." : a rule a one-layer model learns in a few steps.
    pairs = [NspPair(a, "then it slept .", True) for a in DOCUMENTS[2]] + [
        NspPair(a, "the river rose fast .", False) for a in DOCUMENTS[2]]
    classifier = _classifier(tokenizer)
    classifier.bert.embeddings.token.requires_grad_(False)
    frozen = classifier.bert.embeddings.token.weight.clone()
    history = fine_tune_nsp(classifier, tokenizer, pairs, steps=40, batch_size=10, lr=1e-2, show_progress=False)
    assert len(history.losses) == len(history.metrics["accuracy"]) == 40
    assert sum(history.losses[-5:]) < 0.5 * sum(history.losses[:5])
    assert torch.equal(classifier.bert.embeddings.token.weight, frozen)
    p = is_next_probability(classifier, tokenizer, pairs)
    assert nsp_scores([x.is_next for x in pairs], p)["accuracy"] == 1.0
    assert not classifier.training


def test_bad_input_to_fine_tune_nsp(model, tokenizer):
    pairs = make_nsp_pairs(DOCUMENTS, seed=0)
    classifier = _classifier(tokenizer)
    with pytest.raises(TypeError, match="classifier"):
        fine_tune_nsp(model, tokenizer, pairs, steps=1)  # a BertForPreTraining: use its heads, not this
    with pytest.raises(ValueError, match="classifier must be .* 2-label"):
        fine_tune_nsp(_classifier(tokenizer, num_labels=3), tokenizer, pairs, steps=1)
    with pytest.raises(ValueError, match="steps"):
        fine_tune_nsp(classifier, tokenizer, pairs, steps=0)
    with pytest.raises(ValueError, match="lr"):
        fine_tune_nsp(classifier, tokenizer, pairs, steps=1, lr=0)
    with pytest.raises(ValueError, match="warmup"):
        fine_tune_nsp(classifier, tokenizer, pairs, steps=1, warmup=1.0)
    with pytest.raises(ValueError, match="max_len"):
        fine_tune_nsp(classifier, tokenizer, pairs, steps=1, max_len=65)
    with pytest.raises(TypeError, match="pairs"):
        fine_tune_nsp(classifier, tokenizer, [("a", "b")], steps=1)
    frozen = _classifier(tokenizer).requires_grad_(False)
    with pytest.raises(ValueError, match="nothing to fine-tune"):
        fine_tune_nsp(frozen, tokenizer, pairs, steps=1, batch_size=2)
