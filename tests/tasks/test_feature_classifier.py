"""lessons_lib.tasks.feature_classifier: the scalar mix and a linear layer on frozen features."""

import pytest
import torch

from lessons_lib.tasks.feature_classifier import (
    MixClassifier,
    compare_features,
    mix_classifier_accuracy,
    train_mix_classifier,
)


def _data(n=80, seed=0):
    """Three layers; only the last carries the label (its first coordinate), the others are noise."""
    generator = torch.Generator().manual_seed(seed)
    labels = [i % 2 for i in range(n)]
    features = torch.randn(n, 3, 4, generator=generator)
    features[:, 2, 0] += 3 * (torch.tensor(labels) * 2 - 1)
    return features, labels


def test_the_mix_learns_to_weight_the_useful_layer():
    features, labels = _data()
    model = train_mix_classifier(features, labels, epochs=200)
    assert isinstance(model, MixClassifier)
    assert mix_classifier_accuracy(model, features, labels) > 0.95
    shares = model.mix.shares()
    assert shares[2] > shares[0] and shares[2] > shares[1]


def test_forward_is_standardise_mix_then_linear():
    features, labels = _data(10)
    model = train_mix_classifier(features, labels, epochs=3)
    x = (features - features.mean(0)) / features.std(0)
    s = model.mix.weights.softmax(0)
    mixed = model.mix.gamma * (s[0] * x[:, 0] + s[1] * x[:, 1] + s[2] * x[:, 2])
    torch.testing.assert_close(model(features), model.classifier(mixed))


def test_compare_features_gives_one_accuracy_per_seed_and_the_shares():
    features, labels = _data()
    results = compare_features({"all layers": features, "noise only": features[:, :1]}, labels,
                               seeds=(0, 1, 2), test_size=20)
    assert len(results["all layers"]["accuracies"]) == 3 and results["all layers"]["shares"].shape == (3, 3)
    assert min(results["all layers"]["accuracies"]) > 0.9 > max(results["noise only"]["accuracies"])


def test_bad_input_is_named():
    features, labels = _data(10)
    with pytest.raises(ValueError, match="features must be"):
        train_mix_classifier(features[:, 0], labels)
    with pytest.raises(ValueError, match="features must be"):
        train_mix_classifier(features, labels[:5])
    with pytest.raises(TypeError, match="features"):
        train_mix_classifier(features.tolist(), labels)
    with pytest.raises(ValueError, match="epochs"):
        train_mix_classifier(features, labels, epochs=0)
    with pytest.raises(ValueError, match="seeds"):
        compare_features({"x": features}, labels, seeds=(), test_size=2)
