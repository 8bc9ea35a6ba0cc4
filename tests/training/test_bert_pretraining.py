"""lessons_lib.training.bert_pretraining: encoded pairs, masked batches, the stream, the loss and held-out scores."""

import math

import pytest
import torch
import torch.nn.functional as F

from lessons_lib.data.corpus import load_corpus
from lessons_lib.data.encoding import encode_pair
from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.objectives.masking import IGNORE_INDEX, MaskingRule
from lessons_lib.objectives.nsp import IS_NEXT, NOT_NEXT, make_nsp_pairs
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.bert_pretraining import (
    PairExample,
    PretrainingStream,
    encode_documents,
    evaluate_pretraining,
    make_batch,
    pretraining_loss,
    pretraining_metrics,
)
from lessons_lib.training.checkpoints import SHIPPED_BERT


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer.from_vocab_file(SHIPPED_BERT / "vocab.txt")


@pytest.fixture(scope="module")
def documents():
    return load_corpus().train[:15]


def _model(tokenizer, seed=0):
    torch.manual_seed(seed)
    return BertForPreTraining(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_layers=1, num_heads=2,
                                         intermediate_size=64, max_position_embeddings=64)).eval()


def test_encode_documents_encodes_make_nsp_pairs(tokenizer, documents):
    examples = encode_documents(documents, tokenizer, max_len=32, seed=5)
    pairs = make_nsp_pairs(documents, seed=5)
    assert len(examples) == len(pairs) and all(isinstance(e, PairExample) for e in examples)
    for example, pair in zip(examples[:50], pairs[:50], strict=True):
        assert example.is_next == pair.is_next
        assert example.encoding == encode_pair(tokenizer.encode(pair.a), tokenizer.encode(pair.b),
                                               cls_id=tokenizer.cls_id, sep_id=tokenizer.sep_id, max_len=32)
    hard = encode_documents(documents, tokenizer, max_len=32, seed=5, hard_negatives=True)
    assert [e.is_next for e in hard] == [p.is_next for p in make_nsp_pairs(documents, seed=5, hard_negatives=True)]
    with pytest.raises(TypeError, match="tokenizer"):
        encode_documents(documents, "tokenizer")


def test_make_batch_pads_masks_and_labels(tokenizer, documents):
    examples = encode_documents(documents, tokenizer, max_len=32)[:8]
    batch = make_batch(examples, tokenizer, MaskingRule(), torch.Generator().manual_seed(0))
    assert set(batch) == {"input_ids", "original_ids", "token_type_ids", "attention_mask", "mlm_labels", "nsp_labels"}
    longest = max(len(e.encoding.input_ids) for e in examples)
    assert batch["input_ids"].shape == batch["original_ids"].shape == (8, longest)
    for row, example in enumerate(examples):
        n = len(example.encoding.input_ids)
        assert batch["original_ids"][row, :n].tolist() == example.encoding.input_ids
        assert batch["token_type_ids"][row, :n].tolist() == example.encoding.token_type_ids
    assert batch["nsp_labels"].tolist() == [IS_NEXT if e.is_next else NOT_NEXT for e in examples]
    selected = batch["mlm_labels"] != IGNORE_INDEX
    assert torch.equal(batch["mlm_labels"][selected], batch["original_ids"][selected])
    assert torch.equal(batch["input_ids"][~selected], batch["original_ids"][~selected])
    assert not selected[batch["attention_mask"] == 0].any()  # padding is never selected


def test_stream_is_deterministic_and_masks_every_batch_anew(tokenizer, documents):
    stream = PretrainingStream(documents, tokenizer, batch_size=8, max_len=32)
    first, again = stream.batch(5), PretrainingStream(documents, tokenizer, batch_size=8, max_len=32).batch(5)
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert first["input_ids"].shape[1] <= 32 and set(first["nsp_labels"].tolist()) <= {0, 1}
    labels = torch.cat([stream.batch(i)["nsp_labels"] for i in range(stream.steps_per_epoch)])
    assert abs(labels.float().mean().item() - 0.5) < 0.02  # IsNext and NotNext balanced...
    runs = (labels[1:] != labels[:-1]).sum().item() + 1
    assert runs > len(labels) / 3  # ...and interleaved, not in long blocks of one label
    epoch_later = stream.batch(5 + stream.steps_per_epoch)
    assert not torch.equal(epoch_later["input_ids"], first["input_ids"])  # new order, pairs and masks
    resumed = next(stream.batches(5))  # batches(start_step) starts where a resumed run left off
    assert all(torch.equal(resumed[k], first[k]) for k in first)
    assert stream.steps_per_epoch == len(make_nsp_pairs(documents)) // 8
    # The pairs of a step, before masking, are the rows of its batch.
    pairs = stream.step_examples(5)
    assert len(pairs) == 8 and [int(p.is_next is False) for p in pairs] == first["nsp_labels"].tolist()
    assert [len(p.encoding.input_ids) for p in pairs] == first["attention_mask"].sum(1).tolist()
    with pytest.raises(ValueError, match="step"):
        stream.step_examples(-1)
    with pytest.raises(ValueError, match="batch_size"):
        PretrainingStream(documents, tokenizer, batch_size=0)
    with pytest.raises(ValueError, match="fewer sentence pairs than one batch"):
        PretrainingStream(documents[:2], tokenizer, batch_size=10_000)


@pytest.mark.filterwarnings("ignore:vocab_size=.* is more than these texts can fill:UserWarning")
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


def test_loss_is_mlm_plus_weighted_nsp_cross_entropy_on_the_full_logits(tokenizer, documents):
    batch = PretrainingStream(documents, tokenizer, batch_size=8, max_len=32).batch(0)
    model = _model(tokenizer)
    with torch.no_grad():  # the reference: every position scored, the loss taken at the selected ones
        full = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        mlm = F.cross_entropy(full.mlm_logits.flatten(0, 1), batch["mlm_labels"].flatten(), ignore_index=IGNORE_INDEX)
        nsp = F.cross_entropy(full.nsp_logits, batch["nsp_labels"])
        loss, parts = pretraining_loss(model, batch)
        half, _ = pretraining_loss(model, batch, nsp_weight=0.5)
    assert parts["mlm_loss"] == pytest.approx(mlm.item(), rel=1e-5)
    assert parts["nsp_loss"] == pytest.approx(nsp.item(), rel=1e-5)
    assert loss.item() == pytest.approx(mlm.item() + nsp.item(), rel=1e-5)
    assert half.item() == pytest.approx(mlm.item() + 0.5 * nsp.item(), rel=1e-5)


def test_metrics_count_right_predictions(tokenizer, documents):
    batch = PretrainingStream(documents, tokenizer, batch_size=8, max_len=32).batch(1)
    model = _model(tokenizer)
    with torch.no_grad():
        full = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        metrics = pretraining_metrics(model, batch, mask_id=tokenizer.mask_id)
    selected = batch["mlm_labels"] != IGNORE_INDEX
    right = full.mlm_logits.argmax(-1) == batch["mlm_labels"]
    shown_mask = selected & (batch["input_ids"] == tokenizer.mask_id)
    assert metrics["mlm_accuracy"] == (int(right[selected].sum()), int(selected.sum()))
    assert metrics["mask_accuracy"] == (int(right[shown_mask].sum()), int(shown_mask.sum()))
    assert metrics["nsp_accuracy"] == (int((full.nsp_logits.argmax(-1) == batch["nsp_labels"]).sum()), 8)
    assert "mask_accuracy" not in pretraining_metrics(model, batch)


def test_mask_accuracy_counts_only_positions_that_show_mask(tokenizer):
    docs = load_corpus().valid[:3]
    torch.manual_seed(0)
    model = BertForPreTraining(BertConfig.tiny(tokenizer.vocab_size))
    all_mask = evaluate_pretraining(model, docs, tokenizer, max_len=32, rule=MaskingRule(0.15, 1.0, 0.0))
    assert all_mask["mask_accuracy"] == all_mask["mlm_accuracy"]  # every selected position shows [MASK]
    none_masked = evaluate_pretraining(model, docs, tokenizer, max_len=32, rule=MaskingRule(0.15, 0.0, 0.0))
    assert math.isnan(none_masked["mask_accuracy"])  # no position shows [MASK]: nothing to count
    mixed = evaluate_pretraining(model, docs, tokenizer, max_len=32)
    assert set(mixed) == {"mlm_accuracy", "mask_accuracy", "nsp_accuracy"}
    assert evaluate_pretraining(model, docs, tokenizer, max_len=32) == mixed  # pairs and masks fixed by the seed


def test_a_batch_with_no_selected_position_gives_a_finite_loss(tokenizer, documents):
    # Short pairs can leave a batch with no position to predict: the MLM part is then 0, not NaN.
    examples = encode_documents(documents, tokenizer, max_len=32, seed=0)[:2]
    batch = make_batch(examples, tokenizer, MaskingRule(), torch.Generator().manual_seed(0))
    batch["mlm_labels"] = torch.full_like(batch["mlm_labels"], IGNORE_INDEX)
    model = _model(tokenizer)
    loss, parts = pretraining_loss(model, batch)
    assert parts["mlm_loss"] == 0.0 and math.isfinite(loss.item())
    loss.backward()  # and it still trains NSP
    assert model.bert.pooler.weight.grad.abs().sum() > 0
