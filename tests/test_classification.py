"""Tests for lessons_lib.classification: stratified split, [CLS] encoding, fine-tuning and baselines."""

import random
from collections import Counter

import pytest
import torch

from lessons_lib.bert import BertConfig, BertForSequenceClassification
from lessons_lib.classification import (
    accuracy,
    bag_of_words_baseline,
    encode_texts,
    fine_tune,
    majority_baseline,
    predict,
    split_train_test,
)
from lessons_lib.tokenizer import SPECIAL_TOKENS, WordPieceTokenizer
from lessons_lib.training import TrainHistory

POSITIVE = ["good", "great", "fine"]
NEGATIVE = ["bad", "awful", "poor"]
FILLER = ["the", "film", "was", "plot", "acting", "really"]


def _toy_task(n=32, seed=0):
    # Label 1 exactly when the text holds a positive word: three filler words and one sentiment word.
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        label = i % 2
        words = [*rng.sample(FILLER, 3), rng.choice(POSITIVE if label else NEGATIVE)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer([*SPECIAL_TOKENS, *FILLER, *POSITIVE, *NEGATIVE])


def _classifier(tokenizer, seed=0):
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_layers=1, num_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    return BertForSequenceClassification(config, 2)


def _imbalanced(n_zeros=20, n_ones=10):
    labels = [0] * n_zeros + [1] * n_ones
    random.Random(1).shuffle(labels)
    return [f"text {i}" for i in range(len(labels))], labels


def test_split_keeps_each_labels_share():
    texts, labels = _imbalanced(20, 10)
    train_x, train_y, test_x, test_y = split_train_test(texts, labels, test_size=6)
    assert Counter(test_y) == {0: 4, 1: 2} and Counter(train_y) == {0: 16, 1: 8}
    three = [0] * 10 + [1] * 10 + [2] * 20
    _, _, _, test_y = split_train_test([str(i) for i in range(40)], three, test_size=8)
    assert Counter(test_y) == {0: 2, 1: 2, 2: 4}


def test_split_is_disjoint_complete_and_keeps_labels_with_texts():
    texts, labels = _imbalanced()
    train_x, train_y, test_x, test_y = split_train_test(texts, labels, test_size=9, seed=3)
    assert not set(train_x) & set(test_x)
    assert sorted(train_x + test_x) == sorted(texts)
    truth = dict(zip(texts, labels, strict=True))
    assert all(truth[x] == y for x, y in zip(train_x + test_x, train_y + test_y, strict=True))


def test_split_is_deterministic_per_seed():
    texts, labels = _imbalanced()
    assert split_train_test(texts, labels, test_size=6, seed=7) == split_train_test(texts, labels, test_size=6, seed=7)
    test_sets = {tuple(split_train_test(texts, labels, test_size=6, seed=s)[2]) for s in range(10)}
    assert len(test_sets) > 1  # another seed, another split


def test_bad_input_to_split():
    texts, labels = _imbalanced()
    with pytest.raises(ValueError, match="texts"):
        split_train_test(texts, labels[:-1], test_size=6)
    with pytest.raises(ValueError, match="test_size"):
        split_train_test(texts, labels, test_size=0)
    with pytest.raises(ValueError, match="test_size"):
        split_train_test(texts, labels, test_size=len(texts))
    with pytest.raises(TypeError, match="test_size"):
        split_train_test(texts, labels, test_size=0.2)  # a share, not a number of items


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


def test_fine_tune_learns_a_separable_toy_task(tokenizer):
    texts, labels = _toy_task()
    classifier = _classifier(tokenizer)
    before = accuracy(predict(classifier, tokenizer, texts), labels)
    history = fine_tune(classifier, tokenizer, texts, labels, epochs=8, lr=1e-2, batch_size=8)
    after = accuracy(predict(classifier, tokenizer, texts), labels)
    assert isinstance(history, TrainHistory) and len(history.losses) == 8 * 4  # epochs * batches per epoch
    assert sum(history.losses[-4:]) < sum(history.losses[:4])
    assert before <= 0.6 and after >= 0.9  # chance is 0.5


def test_fine_tune_is_deterministic_for_a_seed(tokenizer):
    texts, labels = _toy_task(8)
    first = fine_tune(_classifier(tokenizer), tokenizer, texts, labels, epochs=1, lr=1e-3, batch_size=4, seed=2)
    second = fine_tune(_classifier(tokenizer), tokenizer, texts, labels, epochs=1, lr=1e-3, batch_size=4, seed=2)
    assert first.losses == second.losses


def test_fine_tune_updates_only_parameters_that_require_grad(tokenizer):
    texts, labels = _toy_task(8)
    classifier = _classifier(tokenizer)
    classifier.bert.embeddings.token.requires_grad_(False)
    frozen = classifier.bert.embeddings.token.weight.clone()
    head = classifier.classifier.weight.clone()
    block = classifier.bert.layers[0].state_dict()
    block = {name: value.clone() for name, value in block.items()}
    fine_tune(classifier, tokenizer, texts, labels, epochs=1, lr=1e-3, batch_size=4)
    assert torch.equal(classifier.bert.embeddings.token.weight, frozen)  # bit-identical (no weight decay either)
    assert not torch.equal(classifier.classifier.weight, head)
    assert any(not torch.equal(value, block[name]) for name, value in classifier.bert.layers[0].state_dict().items())


def test_bad_input_to_fine_tune(tokenizer):
    texts, labels = _toy_task(4)
    classifier = _classifier(tokenizer)
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="epochs"):
            fine_tune(classifier, tokenizer, texts, labels, epochs=bad)
        with pytest.raises(ValueError, match="batch_size"):
            fine_tune(classifier, tokenizer, texts, labels, batch_size=bad)
    for bad in (0, -1e-3, float("nan")):
        with pytest.raises(ValueError, match="lr"):
            fine_tune(classifier, tokenizer, texts, labels, lr=bad)
    with pytest.raises(ValueError, match="texts"):
        fine_tune(classifier, tokenizer, [], [])
    with pytest.raises(ValueError, match="texts"):
        fine_tune(classifier, tokenizer, texts, labels[:-1])
    classifier.requires_grad_(False)
    with pytest.raises(ValueError, match="requires_grad"):
        fine_tune(classifier, tokenizer, texts, labels)


def test_predict_shape_eval_mode_no_graph_and_determinism(tokenizer):
    texts, _ = _toy_task(10)
    classifier = _classifier(tokenizer).train()
    predictions = predict(classifier, tokenizer, texts, batch_size=4)
    assert predictions.shape == (10,) and predictions.dtype == torch.long
    assert classifier.training  # the mode it had is given back
    assert torch.equal(predictions, predict(classifier, tokenizer, texts, batch_size=1))  # dropout off inside
    grad_enabled = []
    classifier.register_forward_hook(lambda *_: grad_enabled.append(torch.is_grad_enabled()))
    predict(classifier, tokenizer, texts, batch_size=4)
    assert grad_enabled == [False] * 3  # no graph is built for a backward pass that never comes
    batch = encode_texts(tokenizer, texts)
    with torch.no_grad():
        logits = classifier.eval()(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
    assert torch.equal(predictions, logits.argmax(-1))


def test_bad_input_to_predict(tokenizer):
    classifier = _classifier(tokenizer)
    with pytest.raises(TypeError, match="texts"):
        predict(classifier, tokenizer, "good film")
    with pytest.raises(ValueError, match="texts"):
        predict(classifier, tokenizer, [])
    with pytest.raises(ValueError, match="batch_size"):
        predict(classifier, tokenizer, ["good film"], batch_size=0)


def test_accuracy_is_the_share_of_matches():
    assert accuracy([1, 0, 1, 1], [1, 1, 1, 0]) == 0.5
    assert accuracy(torch.tensor([2, 2, 0]), [2, 2, 0]) == 1.0
    assert accuracy([0], [1]) == 0.0


def test_bad_input_to_accuracy():
    with pytest.raises(ValueError, match="predictions"):
        accuracy([1, 0], [1, 0, 1])
    with pytest.raises(ValueError, match="predictions"):
        accuracy([], [])


def test_majority_baseline_predicts_the_most_common_label():
    assert majority_baseline([3, 3, 1], 4) == [3, 3, 3, 3]
    assert majority_baseline([2, 1, 1, 2, 0], 2) == [1, 1]  # a tie goes to the smallest label
    assert majority_baseline([5], 0) == []


def test_bad_input_to_majority_baseline():
    with pytest.raises(ValueError, match="train_labels"):
        majority_baseline([], 3)
    with pytest.raises(ValueError, match="n_test"):
        majority_baseline([0, 1], -1)


def test_bag_of_words_learns_a_word_presence_rule():
    train_x, train_y = _toy_task(32, seed=0)
    test_x, test_y = _toy_task(16, seed=1)
    assert bag_of_words_baseline(train_x, train_y, test_x) == test_y
    assert bag_of_words_baseline(train_x, train_y, ["great", "awful"]) == [1, 0]


def test_bag_of_words_ignores_unseen_words():
    train_x, train_y = _toy_task(32)
    with_unseen = bag_of_words_baseline(train_x, train_y, ["good zebra yak", "bad zebra yak", "zebra yak", ""])
    assert with_unseen[:2] == [1, 0]
    assert with_unseen[2] == with_unseen[3]  # only unseen words: the same as no words at all


def test_bad_input_to_bag_of_words():
    with pytest.raises(ValueError, match="train_texts"):
        bag_of_words_baseline([], [], ["good"])
    with pytest.raises(ValueError, match="train_texts"):
        bag_of_words_baseline(["good", "bad"], [1], ["good"])
    with pytest.raises(TypeError, match="train_texts"):
        bag_of_words_baseline("good film", [1], ["good"])
    with pytest.raises(TypeError, match="test_texts"):
        bag_of_words_baseline(["good", "bad"], [1, 0], "good")


@pytest.mark.parametrize(("labels", "test_size"), [([0, 0, 1, 1], 1), ([0, 0, 0, 1, 1, 1, 2, 2, 2], 4),
                                                   ([0] * 7 + [1] * 3, 5), ([0, 1] * 100, 80)])
def test_split_train_test_gives_exactly_test_size_items(labels, test_size):
    texts = [f"text {i}" for i in range(len(labels))]
    train_x, train_y, test_x, test_y = split_train_test(texts, labels, test_size=test_size)
    assert len(test_x) == len(test_y) == test_size
    assert sorted(train_x + test_x) == sorted(texts)
    for label in set(labels):  # each label's share is its exact share, rounded one way or the other
        exact = test_size * labels.count(label) / len(labels)
        assert abs(test_y.count(label) - exact) < 1
