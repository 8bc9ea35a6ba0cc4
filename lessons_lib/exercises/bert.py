"""Checkers of notebooks 00 and 01: WordPiece, BERT's inputs, encoder and truncation."""

from __future__ import annotations

from lessons_lib.data.truncation import BERT_MAX_TOKENS, head_tail_split, truncate
from lessons_lib.exercises.core import code_exercise, exercise
from lessons_lib.models.bert import BertEmbeddings
from lessons_lib.training.memory import count_parameters


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


@exercise("vocabulary-fewer-tokens", "a bigger vocabulary keeps more words whole; count the tokens each "
          "tokenizer gives the same sentences. Answer the name of the one with fewer.")
def _vocabulary_fewer_tokens(tokenizers, sentences) -> str:
    return min(tokenizers, key=lambda name: sum(len(tokenizers[name].tokenize(s)) for s in sentences))


def _wordpiece_inputs() -> list[tuple]:
    return [(["un", "##aff", "##able", "words", "."],), (["[CLS]", "token", "##izer", "##s", "[SEP]"],),
            (["a"],), (["##x", "b", "##c", "##d", "e"],), ([],)]


@code_exercise("join-wordpieces", "start a new word at every token that does not begin with '##'; glue a "
               "'##' token onto the word before it, without the '##'. Return a list of strings.",
               inputs=_wordpiece_inputs)
def _join_wordpieces(tokens: list[str]) -> list[str]:
    words: list[str] = []
    for token in tokens:
        if token.startswith("##") and words:
            words[-1] += token[2:]
        else:
            words.append(token.removeprefix("##"))
    return words


@exercise("bert-moved-outputs", "BERT's encoder has only a padding mask: every output reads every position.")
def _bert_moved_outputs(length: int, changed: int) -> int:
    if not 0 <= changed < length:
        raise ValueError(f"changed must be a position in 0..{length - 1}, got {changed}")
    return length


@exercise("sequential-steps", "an LSTM layer computes position t from its state at t - 1: one step per token. "
          "A Transformer layer computes every position from the layer below at once. Answer (LSTM, Transformer).")
def _sequential_steps(length: int, num_layers: int = 1) -> tuple[int, int]:
    return num_layers * length, num_layers


@exercise("pair-text-budget", "a pair spends three positions on [CLS] and two [SEP]s.")
def _pair_text_budget(max_positions: int = 512) -> int:
    return max_positions - 3


def _truncation_inputs() -> list[tuple]:
    return [(list(range(n)),) for n in (5, 510, 511, 700, 800, 801, 1000, 3000)]


@code_exercise("head-tail-truncation", "up to 510 tokens: keep all. Up to 800: the first 128 and the last 382. "
               "More: the first 256 and the last 254. Return a list.", inputs=_truncation_inputs)
def _head_tail_truncation(tokens: list) -> list:
    return truncate(tokens, "head+tail", BERT_MAX_TOKENS)
