"""ELMo's second stage: frozen features, a task-weighted mix of the layers, a small classifier on top.

The pre-trained model is not trained further: each sentence's L + 1 layers are computed once and
averaged over its tokens, giving features (N, L + 1, D). The task trains only a ``ScalarMix`` (how
much of each layer, and a scale) and one linear layer. The same classifier on one layer alone, or
on word2vec averages (a single "layer"), is the comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_int, check_number, check_type
from lessons_lib.data.labelled import split_train_test
from lessons_lib.layers.scalar_mix import ScalarMix
from lessons_lib.training.loop import fit_full_batch


class MixClassifier(nn.Module):
    """Features (B, K, D) -> each layer standardised -> scalar mix over K -> linear layer -> logits."""

    def __init__(self, num_layers: int, dim: int, num_labels: int, mean: Tensor, std: Tensor):
        super().__init__()
        self.mix = ScalarMix(num_layers)
        self.classifier = nn.Linear(dim, num_labels)
        self.register_buffer("mean", mean)  # (K, D) of the training features
        self.register_buffer("std", std)  # (K, D)

    def forward(self, features: Tensor) -> Tensor:
        """(B, K, D) -> (B, num_labels)."""
        x = (features - self.mean) / self.std  # each layer on one scale, so that the mix weights compare
        return self.classifier(self.mix(x.unbind(dim=1)))


def _check_features(features: Tensor, labels: Sequence[int]) -> Tensor:
    check_type("features", features, Tensor)
    if features.dim() != 3 or len(features) != len(labels) or not len(labels):
        raise ValueError(f"features must be (examples, layers, dim) with one row per label, got "
                         f"{tuple(features.shape)} for {len(labels)} labels")
    return torch.as_tensor(list(labels))


def train_mix_classifier(features: Tensor, labels: Sequence[int], *, seed: int = 0, epochs: int = 150,
                         lr: float = 0.03, weight_decay: float = 0.01) -> MixClassifier:
    """Full-batch AdamW on cross-entropy: only the mix and the linear layer learn."""
    y = _check_features(features, labels)
    check_int("seed", seed, low=0)
    check_int("epochs", epochs, low=1)
    check_number("lr", lr, low=0.0, low_open=True)
    torch.manual_seed(seed)
    features = features.detach().float()
    model = MixClassifier(features.shape[1], features.shape[2], int(y.max()) + 1,
                          features.mean(0), features.std(0).clamp_min(1e-6))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    fit_full_batch(model, features, y, optimizer, steps=epochs)
    return model.eval()


@torch.no_grad()
def mix_classifier_accuracy(model: MixClassifier, features: Tensor, labels: Sequence[int]) -> float:
    """Share of examples whose argmax class is their label."""
    y = _check_features(features, labels)
    return float((model(features.float()).argmax(-1) == y).float().mean())


def compare_features(features: Mapping[str, Tensor], labels: Sequence[int], *, seeds: Sequence[int] = (0, 1, 2),
                     test_size: int, epochs: int = 150) -> dict[str, dict]:
    """For each seed: a stratified split, then the same classifier on each kind of features.

    Returns, per kind, the test accuracy of every seed and the mix shares learned (one row per seed).
    """
    if not features:
        raise ValueError("features must name at least one kind of features")
    for value in features.values():
        _check_features(value, labels)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    index = list(range(len(labels)))
    out = {name: {"accuracies": [], "shares": []} for name in features}
    for seed in seeds:
        train, train_y, test, test_y = split_train_test(index, list(labels), test_size=test_size, seed=seed)
        for name, value in features.items():
            model = train_mix_classifier(value[train], train_y, seed=seed, epochs=epochs)
            out[name]["accuracies"].append(mix_classifier_accuracy(model, value[test], test_y))
            out[name]["shares"].append(model.mix.shares().detach())
    for result in out.values():
        result["shares"] = torch.stack(result["shares"])  # (seeds, K)
    return out
