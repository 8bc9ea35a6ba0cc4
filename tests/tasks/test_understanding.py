"""lessons_lib.tasks.understanding: ELMo, GPT and BERT on the same labelled tasks, each used as it is meant to be."""


import pytest
import torch

from lessons_lib.data.corpus import load_corpus
from lessons_lib.tasks.understanding import (
    NluTask,
    elmo_features,
    elmo_pair_features,
    nlu_accuracies,
    nlu_task,
)


@pytest.fixture(scope="module")
def tokenizer(wordpiece):
    return wordpiece


@pytest.fixture(scope="module")
def models(tiny_trio):
    return tiny_trio


def test_tasks_are_balanced_and_come_from_the_right_documents():
    corpus = load_corpus()
    source = nlu_task(corpus, "source", train_size=40, test_size=20)
    assert len(source.train) == 40 and len(source.test) == 20 and sum(source.train_labels) == 20
    assert all(len(example) == 1 for example in source.train)
    pairs = nlu_task(corpus, "next-sentence", train_size=40, test_size=20)
    assert sum(pairs.train_labels) == 20 and sum(pairs.test_labels) == 10
    follows = {(a, b) for doc in corpus.train for a, b in zip(doc, doc[1:], strict=False)}
    for (a, b), label in zip(pairs.train, pairs.train_labels, strict=True):
        assert ((a, b) in follows) == bool(label)
    test_sentences = {s for doc in corpus.test for s in doc}
    assert all(a in test_sentences for a, _ in pairs.test)
    assert set(pairs.baselines) == {"majority class", "bag of words"}
    with pytest.raises(ValueError, match="task"):
        nlu_task(corpus, "sentiment")


def test_elmo_features_are_averaged_layers(models, tokenizer):
    elmo = models["ELMo"]
    one = elmo_features(elmo, tokenizer, ["the storm forced people"])
    assert one.shape == (1, 3, 32)
    pair = elmo_pair_features(elmo, tokenizer, ["the storm"], ["forced people"])
    a, b = elmo_features(elmo, tokenizer, ["the storm"]), elmo_features(elmo, tokenizer, ["forced people"])
    assert torch.allclose(pair, torch.cat([a, b, a * b, (a - b).abs()], -1))
    with pytest.raises(ValueError, match="firsts"):
        elmo_pair_features(elmo, tokenizer, ["a"], [])


@pytest.mark.parametrize("pairs", [False, True], ids=["one sentence", "pairs"])
def test_every_model_learns_a_task_without_being_changed(models, tokenizer, pairs):
    # "storm" sentences are class 1, the others class 0: learnable from the words alone.
    texts = [("the storm forced people from their homes",), ("people met at the council",)] * 8
    if pairs:
        texts = [(t[0], "the storm") for t in texts]
    labels = [1, 0] * 8
    task = NluTask(texts, labels, texts[:4], labels[:4], {})
    for model in models.values():
        before = {k: v.clone() for k, v in model.state_dict().items()}
        accuracies = nlu_accuracies(model, tokenizer, task, seeds=(0, 1), epochs=3, lr=3e-3)
        assert len(accuracies) == 2 and all(0.0 <= a <= 1.0 for a in accuracies)
        assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match="seeds"):
        nlu_accuracies(models["GPT"], tokenizer, task, seeds=())
    with pytest.raises(TypeError, match="task"):
        nlu_accuracies(models["GPT"], tokenizer, texts)


def test_bad_arguments_name_themselves(models, tokenizer):
    with pytest.raises(TypeError, match="texts"):
        elmo_features(models["ELMo"], tokenizer, "one text")
    task = NluTask([("a",)], [0], [("b",)], [1], {})
    with pytest.raises(TypeError, match="tokenizer"):
        nlu_accuracies(models["GPT"], None, task)
