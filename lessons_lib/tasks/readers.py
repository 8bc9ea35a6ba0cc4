"""How the comparison asks each of ELMo, GPT and BERT: one small reader per model, the same methods for all.

``reader(model, tokenizer)`` gives an object with ``next_scores`` (the scores of the token after
each position, left to right only: BERT's through a ``[MASK]`` put after the context),
``token_vectors`` (the layer that turns input tokens into vectors), ``moved`` (which final
outputs change when one input word does) and ``context_parameters``. The measurements of
``tasks.comparison`` ask through it and never test which model they hold.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_token_ids, check_type
from lessons_lib.data.encoding import PairEncoding, collate_pairs
from lessons_lib.models.bert import BertForPreTraining
from lessons_lib.models.elmo import ElmoBiLM
from lessons_lib.models.gpt import GPT
from lessons_lib.tasks.representations import direction_sensitivity
from lessons_lib.tokenizers.elmo_chars import vocabulary_char_ids
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer


class _GPTReader:
    """GPT reads left to right: every position's output already scores the next token."""

    name = "GPT"

    def __init__(self, model: GPT, tokenizer: WordPieceTokenizer):
        self.model, self.tokenizer = model, tokenizer

    def next_scores(self, contexts: Tensor, first: int, *, batch_size: int = 256) -> Tensor:
        """(N, T) ids -> (N, T - first + 1, V): the scores of the token after positions first - 1 .. T - 1
        (``batch_size``: BERT's queries per pass)."""
        return self.model.lm_head(self.model.features(contexts)[:, first - 1 :])  # only those meet the output layer

    def token_vectors(self) -> nn.Module:
        """The layer whose output is each input token's vector."""
        return self.model.transformer.token

    def final_states(self, variants: Tensor) -> Tensor:
        """(N, T) ids -> the last block's vector of each (N, T, H)."""
        return self.model.features(variants)

    def context_columns(self, length: int) -> slice:
        """Where the ``length`` context tokens sit in the model's input."""
        return slice(0, length)

    def moved(self, words: list[str], replacement: str, threshold: float) -> dict[str, Tensor]:
        """Name -> (T, T) booleans: output i moves when word j is replaced (see ``output_sensitivity``)."""
        vocab = self.tokenizer.vocab
        for name, tokens in (("words", words), ("replacement", [replacement])):
            missing = [w for w in tokens if w not in vocab]
            if missing:
                raise ValueError(f"{name} must be tokens of the vocabulary; not in it: {missing}")
        ids = torch.tensor([vocab[w] for w in words])
        variants = torch.cat([ids[None], ids.repeat(len(ids), 1)])
        variants[1:].fill_diagonal_(vocab[replacement])
        with torch.no_grad():
            h = self.final_states(variants)
        return {self.name: (h[1:] - h[:1]).abs().amax(-1).gt(threshold).T}  # (output i, changed j)

    def context_parameters(self) -> int:
        """Parameters outside the word and position tables (the output layer is the word table)."""
        t = self.model.transformer
        return _total(self.model) - t.token.weight.numel() - t.position.weight.numel()


class _ElmoReader(_GPTReader):
    """ELMo's forward LM reads left to right through each token's characters; its backward LM is not asked."""

    name = "ELMo"

    def __init__(self, model: ElmoBiLM, tokenizer: WordPieceTokenizer):
        super().__init__(model, tokenizer)
        # (V, 50): ids -> ELMo's input; none without a tokenizer (only the parameters are asked then)
        self.spellings = None if tokenizer is None else vocabulary_char_ids(tokenizer)

    def next_scores(self, contexts: Tensor, first: int, *, batch_size: int = 256) -> Tensor:
        top = self.model(self.spellings[contexts], logits=False).representations[-1]  # (N, T, 2P)
        return self.model.softmax(top[:, first - 1 :, : self.model.config.projection_size])  # the forward half

    def token_vectors(self) -> nn.Module:
        return self.model.token_layer

    def moved(self, words: list[str], replacement: str, threshold: float) -> dict[str, Tensor]:
        """Each half of the top LSTM layer, and both; ELMo spells any replacement word."""
        maps = direction_sensitivity(self.model, words, self.model.config.num_layers, threshold=threshold,
                                     replacement="xyzzy" if replacement == "[UNK]" else replacement)
        return {f"ELMo {half}": maps[half] for half in ("forward", "backward", "both")}

    def context_parameters(self) -> int:
        """Parameters outside the softmax over the vocabulary (the character CNN builds the token vectors)."""
        return _total(self.model) - sum(p.numel() for p in self.model.softmax.parameters())


class _BertReader(_GPTReader):
    """BERT reads both ways: the next word is its guess for a ``[MASK]`` put after the context."""

    name = "BERT"

    def next_scores(self, contexts: Tensor, first: int, *, batch_size: int = 256) -> Tensor:
        rows = [row[: t + 1] for row in contexts.tolist() for t in range(first - 1, contexts.shape[1])]
        scores = torch.cat([self._mask_scores(rows[start : start + batch_size])
                            for start in range(0, len(rows), batch_size)])  # (N (T - first + 1), V)
        return scores.view(len(contexts), -1, scores.shape[-1])

    def _mask_scores(self, contexts: Sequence[Sequence[int]]) -> Tensor:
        batch = _bert_queries(self.tokenizer, contexts)
        hidden = self.model.bert(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"]).last_hidden_state
        return self.model.heads.mlm(hidden[torch.arange(len(contexts)), batch["mask_position"]])  # (N, V)

    def token_vectors(self) -> nn.Module:
        return self.model.bert.embeddings.token

    def final_states(self, variants: Tensor) -> Tensor:
        t = self.tokenizer
        full = torch.cat([torch.full((len(variants), 1), t.cls_id), variants, torch.full((len(variants), 1), t.sep_id)], 1)
        return self.model.bert(full).last_hidden_state[:, 1:-1]  # without [CLS] and [SEP]

    def context_columns(self, length: int) -> slice:
        return slice(1, 1 + length)  # after [CLS]

    def context_parameters(self) -> int:
        """Parameters outside the word, position and segment tables and the output bias."""
        e = self.model.bert.embeddings
        tables = sum(m.weight.numel() for m in (e.token, e.position, e.segment))
        return _total(self.model) - tables - self.model.heads.decoder.bias.numel()


_READERS = {ElmoBiLM: _ElmoReader, GPT: _GPTReader, BertForPreTraining: _BertReader}


def _total(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def reader(model: object, tokenizer: WordPieceTokenizer | None = None) -> _GPTReader:
    """How the comparison asks ``model`` (an ``ElmoBiLM``, a ``GPT`` or a ``BertForPreTraining``)."""
    kind = next((cls for cls in _READERS if isinstance(model, cls)), None)
    if kind is None:
        raise TypeError(f"model must be an ElmoBiLM, a GPT or a BertForPreTraining, got {type(model).__name__}")
    if tokenizer is not None:
        check_type("tokenizer", tokenizer, WordPieceTokenizer)
    return _READERS[kind](model, tokenizer)


def bert_encode(tokenizer: WordPieceTokenizer, first: Sequence[int], second: Sequence[int] | None = None
                 ) -> PairEncoding:
    """``[CLS] first [SEP]``, or ``[CLS] first [SEP] second [SEP]`` with segment ids 0 then 1."""
    check_type("tokenizer", tokenizer, WordPieceTokenizer)
    first = check_token_ids("first", first)
    second = None if second is None else check_token_ids("second", second)
    ids = [tokenizer.cls_id, *first, tokenizer.sep_id]
    if second is None:
        return PairEncoding(ids, [0] * len(ids))
    return PairEncoding([*ids, *second, tokenizer.sep_id], [0] * len(ids) + [1] * (len(second) + 1))


def _bert_queries(tokenizer: WordPieceTokenizer, contexts: Sequence[Sequence[int]]) -> dict[str, Tensor]:
    """``[CLS] context [MASK] [SEP]`` for each context, padded; ``mask_position``: where the next word goes."""
    batch = collate_pairs([bert_encode(tokenizer, [*map(int, ids), tokenizer.mask_id]) for ids in contexts],
                          pad_id=tokenizer.pad_id)
    batch["mask_position"] = torch.tensor([len(ids) + 1 for ids in contexts])
    return batch
