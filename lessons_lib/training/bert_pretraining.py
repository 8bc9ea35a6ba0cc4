"""BERT pre-training data and loss: sentence pairs, dynamic masking, MLM + NSP loss, held-out scores.

A training example is a sentence pair ``[CLS] A [SEP] B [SEP]`` from ``make_nsp_pairs``; every
batch is masked afresh (dynamic masking) with a generator seeded by the step number, so a run is
deterministic and can be resumed at any step with the same result.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from lessons_lib.checks import check_int, check_type
from lessons_lib.data.corpus import load_corpus
from lessons_lib.data.encoding import PairEncoding, collate_pairs, encode_pair
from lessons_lib.models.bert import BertForPreTraining
from lessons_lib.objectives.masking import IGNORE_INDEX, MaskingRule, mask_with_rule
from lessons_lib.objectives.nsp import IS_NEXT, NOT_NEXT, make_nsp_pairs, make_span_pairs
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.checkpoints import load_pretrained_bert
from lessons_lib.training.loop import evaluate, masked_accuracy


@dataclass
class PairExample:
    """One encoded sentence pair and whether B really follows A."""

    encoding: PairEncoding
    is_next: bool


def encode_documents(
    documents: Sequence[list[str]],
    tokenizer: WordPieceTokenizer,
    *,
    max_len: int = 64,
    seed: int = 0,
    hard_negatives: bool = False,
    span: int = 1,
) -> list[PairExample]:
    """Documents -> NSP pairs -> ``[CLS] A [SEP] B [SEP]`` token ids of at most ``max_len``.

    With ``span`` > 1, A and B are spans of ``span`` sentences (`make_span_pairs`, a span starting
    at every sentence) instead of single sentences.
    """
    check_type("tokenizer", tokenizer, WordPieceTokenizer)
    if span != 1 and hard_negatives:
        raise ValueError("hard_negatives works with single sentences only (span=1)")
    if span == 1:
        pairs = make_nsp_pairs(list(documents), seed=seed, hard_negatives=hard_negatives)
    else:
        pairs = make_span_pairs(list(documents), span=span, seed=seed, stride=1)
    cache: dict[str, list[int]] = {}

    def ids(sentence: str) -> list[int]:
        if sentence not in cache:
            cache[sentence] = tokenizer.encode(sentence)
        return cache[sentence]

    return [
        PairExample(encode_pair(ids(p.a), ids(p.b), cls_id=tokenizer.cls_id, sep_id=tokenizer.sep_id, max_len=max_len),
                    p.is_next)
        for p in pairs
    ]


def make_batch(
    examples: Sequence[PairExample],
    tokenizer: WordPieceTokenizer,
    rule: MaskingRule,
    generator: torch.Generator,
) -> dict[str, Tensor]:
    """Pad a list of pairs into tensors and mask them: inputs, segments, padding mask, MLM and NSP labels."""
    batch = collate_pairs([e.encoding for e in examples], pad_id=tokenizer.pad_id)
    batch["original_ids"] = batch["input_ids"]
    batch["input_ids"], batch["mlm_labels"] = mask_with_rule(batch["input_ids"], tokenizer, rule, generator)
    batch["nsp_labels"] = torch.tensor([IS_NEXT if e.is_next else NOT_NEXT for e in examples])
    return batch


class PretrainingStream:
    """Endless, deterministic stream of masked batches; ``batches(start_step)`` resumes anywhere.

    Each epoch draws new NSP negatives (``make_nsp_pairs`` with the epoch's seed) and a new order,
    and each step masks with a generator seeded by (seed, step).
    """

    def __init__(self, documents: Sequence[list[str]], tokenizer: WordPieceTokenizer, *, batch_size: int = 64,
                 max_len: int = 64, rule: MaskingRule | None = None, seed: int = 0, hard_negatives: bool = False,
                 span: int = 1):
        check_int("batch_size", batch_size, low=1)
        self.documents, self.tokenizer = list(documents), tokenizer
        self.batch_size, self.max_len, self.seed = batch_size, max_len, seed
        self.rule = rule or MaskingRule()
        self.hard_negatives, self.span = hard_negatives, span
        self._epoch_cache: tuple[int, list[PairExample]] | None = None
        self.steps_per_epoch = len(self._epoch(0)) // batch_size
        if self.steps_per_epoch == 0:
            raise ValueError("documents hold fewer sentence pairs than one batch")

    def _epoch(self, epoch: int) -> list[PairExample]:
        if self._epoch_cache is None or self._epoch_cache[0] != epoch:
            examples = encode_documents(self.documents, self.tokenizer, max_len=self.max_len,
                                        seed=self.seed * 7919 + epoch, hard_negatives=self.hard_negatives, span=self.span)
            # A string seed gives a stream unrelated to make_nsp_pairs' integer-seeded one: with the
            # same integer seed both would draw the same permutation, and the shuffle would line
            # the NotNext pairs up back to back.
            random.Random(f"order:{self.seed}:{epoch}").shuffle(examples)
            self._epoch_cache = (epoch, examples)
        return self._epoch_cache[1]

    def step_examples(self, step: int) -> list[PairExample]:
        """The sentence pairs of training step ``step``, before masking."""
        check_int("step", step, low=0)
        epoch, index = divmod(step, self.steps_per_epoch)
        return self._epoch(epoch)[index * self.batch_size : (index + 1) * self.batch_size]

    def batch(self, step: int) -> dict[str, Tensor]:
        """The batch of training step ``step``."""
        examples = self.step_examples(step)
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        return make_batch(examples, self.tokenizer, self.rule, generator)

    def batches(self, start_step: int = 0) -> Iterator[dict[str, Tensor]]:
        """Batches from ``start_step`` on, forever."""
        step = start_step
        while True:
            yield self.batch(step)
            step += 1


def _selected_logits(model: BertForPreTraining, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor, Tensor]:
    # The vocabulary is scored only at the selected positions: the other 85 % carry no loss.
    selected = batch["mlm_labels"] != IGNORE_INDEX  # (B, T)
    out = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"], mlm_positions=selected)
    return out.mlm_logits, batch["mlm_labels"][selected], out.nsp_logits  # (N, vocab), (N,), (B, 2)


def pretraining_loss(model: BertForPreTraining, batch: dict[str, Tensor], nsp_weight: float = 1.0
                     ) -> tuple[Tensor, dict[str, float]]:
    """MLM cross-entropy over the selected positions plus NSP cross-entropy over the pairs."""
    mlm_logits, labels, nsp_logits = _selected_logits(model, batch)
    # A batch of short pairs can have no position selected: it teaches the MLM nothing (mean over none: NaN).
    mlm_loss = F.cross_entropy(mlm_logits, labels) if len(labels) else mlm_logits.sum() * 0.0
    nsp_loss = F.cross_entropy(nsp_logits, batch["nsp_labels"])
    return mlm_loss + nsp_weight * nsp_loss, {"mlm_loss": mlm_loss.item(), "nsp_loss": nsp_loss.item()}


def pretraining_metrics(model: BertForPreTraining, batch: dict[str, Tensor], mask_id: int | None = None
                        ) -> dict[str, tuple[int, int]]:
    """Correct/total counts of MLM predictions (selected positions) and of NSP predictions.

    With ``mask_id``, also ``mask_accuracy``: MLM predictions at the selected positions that show
    ``[MASK]`` only. ``mlm_accuracy`` counts all selected positions, as BERT reports it, so it
    includes the 10 % left unchanged, where the answer is in plain sight.
    """
    mlm_logits, labels, nsp_logits = _selected_logits(model, batch)
    nsp_correct = int((nsp_logits.argmax(-1) == batch["nsp_labels"]).sum())
    metrics = {"mlm_accuracy": masked_accuracy(mlm_logits, labels),
               "nsp_accuracy": (nsp_correct, len(batch["nsp_labels"]))}
    if mask_id is not None:
        shown = batch["input_ids"][batch["mlm_labels"] != IGNORE_INDEX]  # what the model saw at each selected position
        hidden = shown == mask_id
        metrics["mask_accuracy"] = (int((mlm_logits.argmax(-1) == labels)[hidden].sum()), int(hidden.sum()))
    return metrics


def evaluate_pretraining(model: BertForPreTraining, documents: Sequence[list[str]], tokenizer: WordPieceTokenizer,
                         *, max_len: int = 64, batch_size: int = 128, seed: int = 1234,
                         rule: MaskingRule | None = None, hard_negatives: bool = False, span: int = 1
                         ) -> dict[str, float]:
    """Held-out MLM accuracy (all selected positions, and [MASK] positions only) and NSP accuracy.

    The pairs and the masks are fixed by ``seed``, so two models are scored on the same inputs.
    """
    examples = encode_documents(documents, tokenizer, max_len=max_len, seed=seed, hard_negatives=hard_negatives,
                                span=span)
    generator = torch.Generator().manual_seed(seed)
    rule = rule or MaskingRule()
    batches = [make_batch(examples[i : i + batch_size], tokenizer, rule, generator)
               for i in range(0, len(examples), batch_size)]
    return evaluate(model, batches, lambda m, b: pretraining_metrics(m, b, mask_id=tokenizer.mask_id))


def bert_training_tokens(directory: str | Path, *, documents: int | None = None) -> int:
    """The real (non-padding) tokens in every batch a BERT run trained on, counted by replaying its stream."""
    _, tokenizer, metadata = load_pretrained_bert(directory)
    corpus = load_corpus()
    stream = PretrainingStream(corpus.train[:documents] if documents else corpus.train, tokenizer,
                               batch_size=metadata["batch_size"], max_len=metadata["max_len"], seed=metadata["seed"])
    return sum(len(example.encoding.input_ids) for step in range(metadata["steps"])
               for example in stream.step_examples(step))
