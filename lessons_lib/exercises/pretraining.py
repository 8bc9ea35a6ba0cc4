"""Checkers of notebooks 02 and 03: masking for the masked LM, next-sentence pairs, the two losses."""

from __future__ import annotations

import torch

from lessons_lib.data.encoding import encode_pair, truncate_pair
from lessons_lib.exercises.core import code_exercise, exercise
from lessons_lib.objectives.nsp import make_nsp_pairs


@exercise("nsp-pair-counts", "every sentence that has a next sentence in its own document is one A; "
          "half of the pairs, rounded down, get a random B. Answer (pairs, NotNext pairs).")
def _nsp_pair_counts(documents) -> tuple[int, int]:
    pairs = make_nsp_pairs(documents)
    return len(pairs), sum(not p.is_next for p in pairs)


@exercise("nsp-segment-ids", "[CLS], A's tokens and the first [SEP] are segment 0; B's tokens and the "
          "final [SEP] are segment 1. Answer a list of 0s and 1s.")
def _nsp_segment_ids(n_a: int, n_b: int) -> list[int]:
    return encode_pair([5] * n_a, [6] * n_b, cls_id=1, sep_id=2).token_type_ids


@exercise("nsp-truncated-lengths", "three places go to [CLS] and the two [SEP]s; then one token at a "
          "time comes off whichever side is longer (B on a tie). Answer (tokens of A, tokens of B).")
def _nsp_truncated_lengths(n_a: int, n_b: int, max_len: int) -> tuple[int, int]:
    a, b = truncate_pair(list(range(n_a)), list(range(n_b)), max_len - 3)
    return len(a), len(b)


@exercise("topic-only-accuracy", "a judge of topic alone says IsNext to every B from A's own document "
          "and NotNext to every B from another one. Count the pairs it gets right; answer the share, "
          "rounded to 2 decimals.", decimals=2)
def _topic_only_accuracy(documents, seed: int = 0) -> float:
    # make_nsp_pairs keeps the anchors in corpus order, so pair k has A = documents[d][i].
    anchors = [d for d, doc in enumerate(documents) for _ in range(len(doc) - 1)]
    pairs = make_nsp_pairs(documents, seed=seed, hard_negatives=True)
    right = sum(p.is_next == (p.b in documents[d]) for p, d in zip(pairs, anchors, strict=True))
    return right / len(pairs)


def _pretraining_loss_inputs() -> list[tuple]:
    g, cases = torch.Generator().manual_seed(6), []
    for b, t, v in ((2, 5, 11), (4, 9, 30)):  # most positions carry no MLM loss (-100); (0, 0) always does
        labels = torch.randint(0, v, (b, t), generator=g).masked_fill(torch.rand(b, t, generator=g) < 0.7, -100)
        labels[0, 0] = 3
        cases.append((torch.randn(b, t, v, generator=g), labels, torch.randn(b, 2, generator=g),
                      torch.randint(0, 2, (b,), generator=g)))
    return cases


@code_exercise("mlm-nsp-loss", "MLM: cross-entropy over the positions whose label is not -100 only (flatten to "
               "(B T, V); ignore_index=-100 skips the rest); NSP: cross-entropy over the B pairs; add the two.",
               _pretraining_loss_inputs)
def _mlm_nsp_loss(mlm_logits, mlm_labels, nsp_logits, nsp_labels) -> torch.Tensor:
    keep = mlm_labels != -100
    mlm = torch.nn.functional.cross_entropy(mlm_logits[keep], mlm_labels[keep])
    return mlm + torch.nn.functional.cross_entropy(nsp_logits, nsp_labels)


@exercise("nsp-hard-prediction", "a model that judges topic calls a same-document B IsNext much more often. "
          "Answer 'higher', 'about the same' (within 2 points) or 'lower'.")
def _nsp_hard_prediction(easy: float, hard: float) -> str:
    return "about the same" if abs(hard - easy) <= 0.02 else "higher" if hard > easy else "lower"


@exercise("mlm-expected-split", "first keep mask_prob of the tokens; split what you kept into mask_frac, "
          "random_frac and the rest; round each count to a whole token.")
def _mlm_expected_split(n_tokens: int, mask_prob: float = 0.15, mask_frac: float = 0.8,
                        random_frac: float = 0.1) -> tuple[int, int, int]:
    selected = n_tokens * mask_prob
    return (round(selected * mask_frac), round(selected * random_frac),
            round(selected * (1 - mask_frac - random_frac)))


@exercise("loss-positions", "a left-to-right LM predicts the next token at every position but the last; "
          "a masked LM only at the selected ones (mask_prob of them, on average).")
def _loss_positions(batch_size: int, window: int, mask_prob: float = 0.15) -> tuple[int, int]:
    return batch_size * (window - 1), round(mask_prob * batch_size * window)


@exercise("bert-selection-count", "BERT's data script picks min(max_predictions, max(1, round(0.15 n))) positions "
          "of a sequence of n tokens ([CLS] and [SEP]s counted in n). Answer a tuple, one count per case.")
def _bert_selection_count(cases: list[tuple[int, int]]) -> tuple[int, ...]:
    return tuple(min(most, max(1, round(0.15 * n))) for n, most in cases)


@code_exercise("masking-selection", "one uniform number per position: torch.rand(ids.shape, generator="
               "torch.Generator().manual_seed(seed)); selected where it is below 0.15 and the token is not in "
               "special_ids (torch.isin helps). Return a boolean tensor shaped like ids.",
               lambda: [(torch.randint(0, 40, (b, t), generator=torch.Generator().manual_seed(t)), [0, 1, 2, 3, 4], t)
                        for b, t in ((2, 7), (4, 16), (3, 30))])
def _masking_selection(ids: torch.Tensor, special_ids: list[int], seed: int) -> torch.Tensor:
    draw = torch.rand(ids.shape, generator=torch.Generator().manual_seed(seed))
    return (draw < 0.15) & ~torch.isin(ids, torch.tensor(special_ids))  # (B, T) boolean


@exercise("mix-copy-prediction", "which mix showed the model a visible token at a selected position that was "
          "always right, never wrong? Answer its name, e.g. '80/10/10'.")
def _mix_copy_prediction(copy_rates: dict[str, float]) -> str:
    return max(copy_rates, key=copy_rates.get)
