"""lessons_lib.tasks.classification: fine-tuning a [CLS] classifier, predictions, accuracy and baselines."""

import random

import pytest
import torch

from lessons_lib.data.encoding import encode_texts
from lessons_lib.models.bert import BertConfig, BertForSequenceClassification
from lessons_lib.tasks.classification import (
    accuracy,
    bag_of_words_baseline,
    fine_tune,
    majority_baseline,
    predict,
)
from lessons_lib.tokenizers import SPECIAL_TOKENS, WordPieceTokenizer
from lessons_lib.training.loop import TrainHistory

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
    for bad, error in ((0, ValueError), (-1, ValueError), (1.5, TypeError)):
        with pytest.raises(error, match="epochs must be an int >= 1"):
            fine_tune(classifier, tokenizer, texts, labels, epochs=bad)
        with pytest.raises(error, match="batch_size must be an int >= 1"):
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


def test_fine_tune_checks_labels_at_entry_and_runs_one_batch(tokenizer):
    texts, labels = _toy_task(4)
    classifier = _classifier(tokenizer)
    with pytest.raises(ValueError, match=r"labels must be ints in \[0, 2\) \(one per class\), item 0 is 5"):
        fine_tune(classifier, tokenizer, texts, [5, 0, 1, 0])
    with pytest.raises(TypeError, match=r"labels must be ints in \[0, 2\), item 1 is 'x'"):
        fine_tune(classifier, tokenizer, texts, [0, "x", 1, 0])
    with pytest.raises(ValueError, match="labels must hold one label per item of texts: 4 texts, 3 labels"):
        fine_tune(classifier, tokenizer, texts, labels[:-1])
    history = fine_tune(classifier, tokenizer, texts, labels, epochs=1, batch_size=8, show_progress=False)
    assert len(history.losses) == 1  # one batch: no warm-up step, and no refusal


def test_a_diverged_fine_tuning_says_the_weights_are_spoiled_and_how_to_reload(tokenizer):
    texts, labels = _toy_task(4)
    classifier = _classifier(tokenizer)
    with torch.no_grad():
        classifier.classifier.weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match=r"weights are now spoiled: do not use the classifier as it is; "
                                                 r"build it again on freshly loaded weights \(load_pretrained_bert"):
        fine_tune(classifier, tokenizer, texts, labels, show_progress=False)
