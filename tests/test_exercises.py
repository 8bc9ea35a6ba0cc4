"""lessons_lib.exercises: every registered check-yourself exercise, with a right and a wrong answer.

Each right answer is worked out here on its own (by hand, or from first principles), not by the checker.
"""

import pytest
import torch

import lessons_lib.exercises as exercises
from lessons_lib import BertConfig, load_pretrained_bert
from lessons_lib.data import load_corpus
from lessons_lib.exercises import check, exercise, solution
from lessons_lib.models.gpt import GPTConfig

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
CASES = {
    # The shipped vocabulary cuts "unaffable" into these four pieces (longest match first).
    "wordpiece-pieces": lambda: (dict(tokenizer=_tokenizer(), word="unaffable"),
                                 ["un", "##a", "##ff", "##able"], ["unaffable"]),
    # One token per CJK character, known or [UNK]: 7 characters, 7 tokens.
    "chinese-token-count": lambda: (dict(tokenizer=_tokenizer(), text="我爱北京天安门"), 7, 1),
    "held-out-documents": _held_out_documents,
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
}


def _combined_mask_by_hand(attention_mask):
    length = attention_mask.shape[1]
    past = torch.ones(length, length, dtype=torch.bool).tril()  # j <= i
    return past[None] & attention_mask.bool()[:, None, :]  # (B, T, T): and key j is a real token


def _look_ahead_only(attention_mask):
    batch, length = attention_mask.shape
    return torch.ones(length, length, dtype=torch.bool).tril().expand(batch, length, length)


def _scalar_mix_by_formula(layers, w, gamma):
    s = torch.exp(w) / torch.exp(w).sum()
    return gamma * sum(s[k] * layers[k] for k in range(len(w)))


def _scalar_mix_without_softmax(layers, w, gamma):
    return gamma * sum(w[k] * layers[k] for k in range(len(w)))


def test_every_registered_exercise_is_tested():
    assert set(CASES) == set(exercises._CHECKERS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_right_answer_passes_and_wrong_answer_prints_the_hint(name, capsys):
    context, right, wrong = CASES[name]()
    hint = exercises._CHECKERS[name][0]
    assert check(name, right, **context) is True
    assert f"[{name}] correct" in capsys.readouterr().out
    assert check(name, wrong, **context) is False
    out = capsys.readouterr().out
    assert f"[{name}] not quite: you said {wrong!r}" in out and hint in out
    assert check(name, None, **context) is False  # unanswered: not a failure, and no hint yet
    out = capsys.readouterr().out
    assert "not answered yet" in out and hint not in out


def test_sequences_compare_by_value_whatever_their_type():
    import numpy as np

    assert exercises._same(torch.tensor([15, 14]), (15, 14))
    assert exercises._same(np.array([0.5, 2.0]), [0.5, 2.0004])
    assert exercises._same(torch.tensor(3), 3) and not exercises._same(torch.tensor([1, 2]), [1, 2, 3])


def test_more_answers_of_the_nsp_and_mlm_exercises():
    assert solution("nsp-truncated-lengths", n_a=20, n_b=20, max_len=33) == (15, 15)
    assert solution("nsp-truncated-lengths", n_a=5, n_b=6, max_len=64) == (5, 6)
    assert solution("mlm-expected-split", n_tokens=2000, mask_prob=0.5, mask_frac=1.0, random_frac=0.0) == (1000, 0, 0)
    assert solution("head-tail-split", n_tokens=800) == 128
    assert solution("embedding-parameters", config=BertConfig.base()) == (30522 + 2 + 512) * 768 + 2 * 768


def test_topic_only_accuracy():
    # With seed 3 the hard pairs are (a1, a3, NotNext), (a2, a3, IsNext), (b1, a1, NotNext: b is
    # too short, so B comes from another document), (c1, c4, NotNext) and three IsNext pairs in c.
    # A judge of topic alone calls (a1, a3) and (c1, c4) IsNext, wrongly, and the other 5 right.
    assert solution("topic-only-accuracy", documents=DOCUMENTS, seed=3) == round(5 / 7, 2)


def test_registering_and_unknown_names(monkeypatch):
    monkeypatch.setattr(exercises, "_CHECKERS", dict(exercises._CHECKERS))  # the registry is left as it was

    @exercise("double", "twice x")
    def _double(x):
        return 2 * x

    assert check("double", 6, x=3) is True and solution("double", x=4) == 8
    with pytest.raises(ValueError, match="name must be one of"):
        check("no-such-exercise", 1)
    with pytest.raises(ValueError, match="name must be one of"):
        solution("no-such-exercise")


def test_numbers_pass_within_a_tolerance_and_code_answers_must_be_functions(capsys):
    assert check("highway-parameters", 66048.0, size=128, num_layers=2) is True  # a float of the right value
    assert check("elmo-moved-outputs", (5.0001, 3), n_words=7, changed=2) is True
    assert check("elmo-moved-outputs", (5.1, 3), n_words=7, changed=2) is False
    assert check("elmo-scalar-mix", 3) is False
    assert "the answer must be a function" in capsys.readouterr().out
    assert check("elmo-scalar-mix", lambda layers, w, gamma: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert check("elmo-scalar-mix", lambda layers, w, gamma: layers) is False
    assert "expected a tensor of shape (4, 6)" in capsys.readouterr().out
