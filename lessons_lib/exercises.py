"""Check-yourself exercises: each checker works the answer out itself and compares.

A notebook cell sets ``answer = ...`` and calls ``check("name", answer)``. An unanswered exercise
(``answer = None``) says so instead of failing, so a notebook still runs top to bottom; the hint
appears only after a wrong answer. Numbers are compared with a small tolerance, sequences by value
(a list, tuple, tensor or array of the right values passes). A code exercise takes a function as its answer: the
checker runs it on random inputs and compares what it returns with the library's own version.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from lessons_lib.data.encoding import encode_pair, truncate_pair
from lessons_lib.data.truncation import head_tail_split
from lessons_lib.layers.char_cnn import Highway
from lessons_lib.layers.masks import combine_masks, look_ahead_mask, padding_mask
from lessons_lib.layers.scalar_mix import ScalarMix
from lessons_lib.models.bert import BertEmbeddings
from lessons_lib.models.gpt import GPT
from lessons_lib.objectives.nsp import make_nsp_pairs
from lessons_lib.tokenizers.elmo_chars import elmo_char_ids
from lessons_lib.training.memory import count_parameters

_CHECKERS: dict[str, tuple[str, Callable[..., Any]]] = {}
_CODE_INPUTS: dict[str, Callable[[], list[tuple]]] = {}  # code exercise -> the inputs its checker runs


def exercise(name: str, hint: str) -> Callable:
    """Register ``func`` (which returns the right answer) as the checker of exercise ``name``."""
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _CHECKERS[name] = (hint, func)
        return func
    return register


def code_exercise(name: str, hint: str, inputs: Callable[[], list[tuple]]) -> Callable:
    """Register ``func``, the reference implementation, as exercise ``name``: a student's function must
    return what ``func`` returns on every argument tuple ``inputs()`` gives."""
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _CHECKERS[name] = (hint, lambda: func)  # solution(name) is the reference implementation
        _CODE_INPUTS[name] = inputs
        return func
    return register


def _same(answer: Any, expected: Any) -> bool:
    """Equal, numbers within a relative tolerance of 1e-3 (a rounded answer passes), element by element."""
    answer, expected = _plain(answer), _plain(expected)
    if isinstance(expected, bool) or isinstance(answer, bool):
        return answer == expected
    if isinstance(expected, int | float) and isinstance(answer, int | float):
        return math.isclose(answer, expected, rel_tol=1e-3, abs_tol=1e-9)
    if isinstance(expected, list | tuple) and isinstance(answer, list | tuple):
        return len(answer) == len(expected) and all(_same(a, e) for a, e in zip(answer, expected, strict=True))
    return answer == expected


def _plain(value: Any) -> Any:
    """A tensor or array as nested lists, and a one-number tensor as that number, so values compare."""
    return value.tolist() if hasattr(value, "tolist") and not isinstance(value, list | tuple) else value


def _run_code(name: str, answer: Any) -> str | None:
    """None if ``answer`` returns what the reference returns on every test input; else what went wrong."""
    if not callable(answer):
        return "the answer must be a function"
    reference = _CHECKERS[name][1]()
    for args in _CODE_INPUTS[name]():
        expected = reference(*args)
        try:
            got = answer(*args)
        except Exception as err:  # the student's code: any error is a wrong answer, not a crash
            return f"your function raised {type(err).__name__}: {err}"
        if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
            return f"expected a tensor of shape {tuple(expected.shape)}, got {getattr(got, 'shape', type(got).__name__)}"
        if not torch.allclose(got, expected, rtol=1e-4, atol=1e-5):
            return f"the values differ (largest difference {float((got.float() - expected.float()).abs().max()):.3g})"
    return None


def check(name: str, answer: Any, **context: Any) -> bool:
    """Compare a student's ``answer`` with the one the checker computes; print the verdict."""
    if name not in _CHECKERS:
        raise ValueError(f"name must be one of {sorted(_CHECKERS)}, got {name!r}")
    hint, solve = _CHECKERS[name]
    if answer is None:
        print(f"[{name}] not answered yet: set the answer and run the cell again.")
        return False
    if name in _CODE_INPUTS:
        problem = _run_code(name, answer)
        if problem is None:
            print(f"[{name}] correct: your function matches the library's on every test input")
            return True
        print(f"[{name}] not quite: you said {answer!r}: {problem}. Hint: {hint}")
        return False
    expected = solve(**context)
    if _same(answer, expected):
        print(f"[{name}] correct: {answer!r}")
        return True
    print(f"[{name}] not quite: you said {answer!r}. Hint: {hint}")
    return False


def solution(name: str, **context: Any) -> Any:
    """The checker's own answer (for instructors and tests)."""
    if name not in _CHECKERS:
        raise ValueError(f"name must be one of {sorted(_CHECKERS)}, got {name!r}")
    return _CHECKERS[name][1](**context)


@exercise("wordpiece-pieces", "run tokenizer.tokenize(word) in your head: longest prefix in the "
          "vocabulary first, then the longest '##' piece of what is left, and so on.")
def _wordpiece_pieces(tokenizer, word: str) -> list[str]:
    return tokenizer.tokenize(word)


@exercise("chinese-token-count", "BERT's basic tokenizer puts a space around every CJK character "
          "before WordPiece runs, so each character is looked up on its own.")
def _chinese_token_count(tokenizer, text: str) -> int:
    return len(tokenizer.tokenize(text))


@exercise("held-out-documents", "the split is by document: count the documents of the valid and "
          "test splits together.")
def _held_out_documents(corpus) -> int:
    return len(corpus.valid) + len(corpus.test)


@exercise("head-tail-split", "a text of more than 800 tokens keeps 256 from the start; at most 800, it keeps 128.")
def _head_tail_split(n_tokens: int) -> int:
    return head_tail_split(n_tokens)[0]


@exercise("embedding-parameters", "three tables (token, segment, position), each rows x hidden_size, plus "
          "the LayerNorm's weight and bias.")
def _embedding_parameters(config) -> int:
    return count_parameters(BertEmbeddings(config))


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
          "rounded to 2 decimals.")
def _topic_only_accuracy(documents, seed: int = 0) -> float:
    # make_nsp_pairs keeps the anchors in corpus order, so pair k has A = documents[d][i].
    anchors = [d for d, doc in enumerate(documents) for _ in range(len(doc) - 1)]
    pairs = make_nsp_pairs(documents, seed=seed, hard_negatives=True)
    right = sum(p.is_next == (p.b in documents[d]) for p, d in zip(pairs, anchors, strict=True))
    return round(right / len(pairs), 2)


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


@exercise("elmo-char-ids", "begin-of-word is 258 and end-of-word 259, a letter is its byte (ord), and every id "
          "is shifted by +1 at the end. Answer the first n ids as a list.")
def _elmo_char_ids(word: str, n: int = 4) -> list[int]:
    return elmo_char_ids([word])[0, :n].tolist()


@exercise("highway-parameters", "each highway layer has two size x size weight matrices (transform A and gate B), "
          "each with a bias of length size.")
def _highway_parameters(size: int, num_layers: int) -> int:
    return count_parameters(Highway(size, num_layers))


@exercise("elmo-moved-outputs", "the forward half at position i has read words 0..i; the backward half has read "
          "words i..n-1. Answer (forward outputs that move, backward outputs that move).")
def _elmo_moved_outputs(n_words: int, changed: int) -> tuple[int, int]:
    return n_words - changed, changed + 1


def _mix_inputs() -> list[tuple]:
    generator = torch.Generator().manual_seed(0)
    return [(torch.randn(k, 4, 6, generator=generator), torch.randn(k, generator=generator),
             float(torch.rand((), generator=generator) * 2)) for k in (1, 3, 5)]


@code_exercise("elmo-scalar-mix", "s = softmax(w) over the layers; the result is gamma * sum_k s_k * layers[k]. "
               "layers is (K, ..., D), w is (K,), gamma a number.", inputs=_mix_inputs)
def _elmo_scalar_mix(layers: torch.Tensor, w: torch.Tensor, gamma: float) -> torch.Tensor:
    mix = ScalarMix(len(w))
    with torch.no_grad():
        mix.weights.copy_(w)
        mix.gamma.fill_(gamma)
        return mix(list(layers))


def _padding_inputs() -> list[tuple]:
    generator = torch.Generator().manual_seed(0)
    cases = []
    for batch, length in ((1, 1), (2, 5), (3, 8)):
        lengths = torch.randint(1, length + 1, (batch,), generator=generator)
        cases.append(((torch.arange(length)[None] < lengths[:, None]).long(),))  # (B, T): 1 = token, 0 = padding
    return cases


@code_exercise("gpt-combined-mask", "query i may look at key j when j <= i (look-ahead) and key j is a real token "
               "(padding); torch.tril and the attention_mask's row, combined with &. Return a boolean (B, T, T) "
               "tensor, True = may attend.", inputs=_padding_inputs)
def _gpt_combined_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    return combine_masks(padding_mask(attention_mask)[:, 0], look_ahead_mask(attention_mask.shape[1]))


@exercise("gpt-moved-outputs", "output i of GPT has read tokens 0..i only. Which outputs have read position t? "
          "Positions are counted from 0.")
def _gpt_moved_outputs(length: int, changed: int) -> int:
    return length - changed


@exercise("gpt-embedding-share", "the token table is vocab_size x hidden_size and also serves as the output "
          "layer (tied), so it is counted once. Divide by all the parameters; round to 2 decimals.")
def _gpt_embedding_share(config) -> float:
    with torch.device("meta"):  # shapes only
        model = GPT(config)
    return round(config.vocab_size * config.hidden_size / count_parameters(model), 2)


@exercise("gpt-choice-tokens", "each option is read as its own sequence, [start] context [delim] option "
          "[extract]: the context is read once per option, plus three task tokens each.")
def _gpt_choice_tokens(context_tokens: int, option_tokens: list[int]) -> int:
    return sum(context_tokens + n + 3 for n in option_tokens)


@exercise("gpt-auxiliary-loss", "the paper adds the language-model loss to the task loss with weight 0.5.")
def _gpt_auxiliary_loss(task_loss: float, lm_loss: float, lm_weight: float = 0.5) -> float:
    return task_loss + lm_weight * lm_loss
