"""ELMo, GPT and BERT asked the same questions: notebook 07's measurements.

Every function takes one of the three pre-trained models (``ElmoBiLM``, ``GPT``,
``BertForPreTraining``) and the WordPiece tokenizer they share, and treats each the way it is
built to be used:

* **next word** (NLG): GPT and ELMo's forward LM read the words before and score the next one;
  BERT is asked the same by putting ``[MASK]`` where the next word goes, with nothing after it
  but ``[SEP]``.
* **direction**: which outputs move when one input token changes.
* **reach**: how strongly the prediction of the next word depends on each earlier token.

The understanding tasks (NLU) are in ``understanding``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.checks import (
    check_ids_tensor,
    check_int,
    check_number,
    check_strings,
    check_token_ids,
    check_type,
)
from lessons_lib.data.encoding import PairEncoding, collate_pairs
from lessons_lib.models.bert import BertForPreTraining
from lessons_lib.models.elmo import ElmoBiLM
from lessons_lib.models.gpt import GPT
from lessons_lib.tasks.representations import direction_sensitivity
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.elmo_pretraining import vocabulary_char_ids

MODEL_KINDS = ("ELMo", "GPT", "BERT")


def model_kind(model: object) -> str:
    """``"ELMo"``, ``"GPT"`` or ``"BERT"``; a TypeError naming ``model`` for anything else."""
    for kind, cls in (("ELMo", ElmoBiLM), ("GPT", GPT), ("BERT", BertForPreTraining)):
        if isinstance(model, cls):
            return kind
    raise TypeError(f"model must be an ElmoBiLM, a GPT or a BertForPreTraining, got {type(model).__name__}")


def non_embedding_parameters(model: nn.Module) -> int:
    """Parameters outside the word and position tables and the output layer: the part that computes context.

    GPT and BERT tie their output layer to the token table (BERT's output bias and its segment
    table are left out too); ELMo's character CNN stays in (it builds token vectors from spelling,
    work GPT and BERT leave to the table), its softmax over the vocabulary is left out.
    """
    kind = model_kind(model)
    total = sum(p.numel() for p in model.parameters())
    if kind == "ELMo":
        return total - sum(p.numel() for p in model.softmax.parameters())
    if kind == "GPT":
        t = model.transformer
        return total - t.token.weight.numel() - t.position.weight.numel()
    e = model.bert.embeddings
    tables = sum(m.weight.numel() for m in (e.token, e.position, e.segment))
    return total - tables - model.heads.decoder.bias.numel()


# ---------------------------------------------------------------------------------------------
# The next word (NLG)


def _check_ids(ids: Tensor, tokenizer: WordPieceTokenizer, name: str, least: int = 1) -> Tensor:
    check_type("tokenizer", tokenizer, WordPieceTokenizer)
    if not len(ids) or ids.shape[1] < least:
        raise ValueError(f"{name} must be (N >= 1, T >= {least}) token ids, got {tuple(ids.shape)}")
    if int(ids.max()) >= tokenizer.vocab_size or int(ids.min()) < 0:
        raise ValueError(f"{name} must hold ids in [0, {tokenizer.vocab_size}), the tokenizer's vocabulary")
    return ids


def _check_windows(windows: Tensor, tokenizer: WordPieceTokenizer) -> Tensor:
    return _check_ids(check_ids_tensor("windows", windows), tokenizer, "windows", least=2)


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


def _last_logits(model: nn.Module, tokenizer: WordPieceTokenizer, contexts: Tensor, first: int) -> Tensor:
    """GPT's or ELMo's forward LM's next-token scores at positions ``first - 1`` .. T - 1 of each context: (N, *, V).

    Only those positions go through the output layer: (positions x vocabulary) scores of every
    position would be most of the memory.
    """
    if isinstance(model, GPT):
        return model.lm_head(model.transformer(contexts).last_hidden_state[:, first - 1 :])
    top = model(vocabulary_char_ids(tokenizer)[contexts], logits=False).representations[-1]  # (N, T, 2P)
    return model.softmax(top[:, first - 1 :, : model.config.projection_size])  # the forward half


def _bert_mask_logits(model: BertForPreTraining, tokenizer: WordPieceTokenizer, contexts: Sequence[Sequence[int]]
                      ) -> Tensor:
    batch = _bert_queries(tokenizer, contexts)
    hidden = model.bert(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"]).last_hidden_state
    return model.heads.mlm(hidden[torch.arange(len(contexts)), batch["mask_position"]])  # (N, V)


@torch.no_grad()
def next_word_logits(model: nn.Module, tokenizer: WordPieceTokenizer, contexts: Tensor) -> Tensor:
    """(N, V) scores of the token after each context (N, T) of token ids, all read left to right only."""
    kind = model_kind(model)
    contexts = _check_ids(check_ids_tensor("contexts", contexts), tokenizer, "contexts")
    model.eval()
    if kind != "BERT":
        return _last_logits(model, tokenizer, contexts, contexts.shape[1])[:, -1]
    return _bert_mask_logits(model, tokenizer, contexts.tolist())


@torch.no_grad()
def next_word_scores(model: nn.Module, tokenizer: WordPieceTokenizer, windows: Tensor, *, first: int = 1,
                     batch_size: int = 256) -> dict[str, float]:
    """Top-1 accuracy and perplexity of predicting token t + 1 of each window from tokens 0..t only.

    Every position from ``first`` on is a target, so the three models answer the same questions.
    GPT and ELMo score all positions of a window in one pass (their masks, or their reading
    direction, already hide the future); BERT gets one ``[CLS] w_0..w_t [MASK] [SEP]`` per target.
    """
    kind = model_kind(model)
    windows = _check_windows(windows, tokenizer)
    check_int("first", first, low=1, high=windows.shape[1] - 1)
    check_int("batch_size", batch_size, low=1)
    model.eval()
    targets = windows[:, first:]  # (N, T - first)
    if kind != "BERT":
        logits = _last_logits(model, tokenizer, windows[:, :-1], first)
    else:
        contexts = [row[: t + 1] for row in windows.tolist() for t in range(first - 1, windows.shape[1] - 1)]
        logits = torch.cat([_bert_mask_logits(model, tokenizer, contexts[start : start + batch_size])
                            for start in range(0, len(contexts), batch_size)]).view(*targets.shape, -1)
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    top1 = (logits.argmax(-1) == targets).float().mean()
    return {"top1": float(top1), "perplexity": math.exp(float(nll)), "predictions": targets.numel()}


def continue_greedy(model: nn.Module, tokenizer: WordPieceTokenizer, prompt: str, *, max_new_tokens: int = 12
                    ) -> list[str]:
    """The ``max_new_tokens`` tokens each model adds to ``prompt``, always taking its most likely next word.

    BERT's next word is its best guess for a ``[MASK]`` put after the text so far, repeated. The
    special tokens ([CLS], [SEP], [MASK], [PAD], [UNK]) are never chosen, for any model.
    """
    model_kind(model)
    check_type("tokenizer", tokenizer, WordPieceTokenizer)
    check_type("prompt", prompt, str)
    check_int("max_new_tokens", max_new_tokens, low=1)
    ids = tokenizer.encode(prompt)
    if not ids:
        raise ValueError(f"prompt {prompt!r} gives no tokens")
    banned = [tokenizer.cls_id, tokenizer.sep_id, tokenizer.mask_id, tokenizer.pad_id, tokenizer.unk_id]
    new = []
    for _ in range(max_new_tokens):
        logits = next_word_logits(model, tokenizer, torch.tensor([ids]))[0]
        logits[banned] = float("-inf")
        ids.append(int(logits.argmax()))
        new.append(ids[-1])
    return tokenizer.convert_ids_to_tokens(new)


@torch.no_grad()
def context_curve(model: nn.Module, tokenizer: WordPieceTokenizer, windows: Tensor, lengths: Sequence[int]
                  ) -> list[float]:
    """Mean loss (nats) of predicting each window's last token from only the ``d`` tokens before it, per ``d``.

    The drop from short to long contexts is how much a model uses distant words.
    """
    model_kind(model)
    windows = _check_windows(windows, tokenizer)
    if not lengths:
        raise ValueError("lengths must hold at least one context length")
    for d in lengths:
        check_int("lengths", d, low=1, high=windows.shape[1] - 1)
    target = windows[:, -1]
    return [float(F.cross_entropy(next_word_logits(model, tokenizer, windows[:, -1 - d : -1]), target))
            for d in lengths]


def reach(model: nn.Module, tokenizer: WordPieceTokenizer, windows: Tensor) -> Tensor:
    """(T - 1,): how strongly the log-probability of each window's last token depends on each earlier token.

    The size of the gradient with respect to each input token's vector (as notebook 01 measures
    reach), averaged over windows; index 0 is the token right before the prediction, index k the
    token k further back.
    """
    kind = model_kind(model)
    windows = _check_windows(windows, tokenizer)
    contexts, target = windows[:, :-1], windows[:, -1]
    grabbed = {}
    layer = {"GPT": lambda: model.transformer.token, "ELMo": lambda: model.token_layer,
             "BERT": lambda: model.bert.embeddings.token}[kind]()

    def keep(module, inputs, output):
        output.retain_grad()
        grabbed["vectors"] = output

    handle = layer.register_forward_hook(keep)
    model.eval()
    try:
        if kind != "BERT":
            logits = _last_logits(model, tokenizer, contexts, contexts.shape[1])[:, -1]
        else:
            logits = _bert_mask_logits(model, tokenizer, contexts.tolist())
        logits.log_softmax(-1).gather(1, target[:, None]).sum().backward()
    finally:
        handle.remove()
        model.zero_grad(set_to_none=True)
    grads = grabbed["vectors"].grad.norm(dim=-1)  # (N, positions)
    if kind == "BERT":
        grads = grads[:, 1 : 1 + contexts.shape[1]]  # the context, without [CLS], [MASK] and [SEP]
    return grads.mean(0).flip(0)  # distance 0 = the token right before the prediction


def output_sensitivity(model: nn.Module, tokenizer: WordPieceTokenizer, words: Sequence[str], *,
                       replacement: str = "[UNK]", threshold: float = 1e-4) -> dict[str, Tensor]:
    """Which final outputs move when one input word changes: name -> (T, T) booleans, row = output, column = word.

    ELMo gives its forward half, its backward half and their concatenation (top LSTM layer); GPT
    and BERT their last block. Each word must be one token of the vocabulary; ``replacement`` (a
    token for GPT and BERT, any word for ELMo, which spells it) takes each word's place in turn.
    """
    kind = model_kind(model)
    words = check_strings("words", words)
    check_type("replacement", replacement, str)
    check_number("threshold", threshold, low=0.0)
    if kind == "ELMo":
        maps = direction_sensitivity(model, words, model.config.num_layers, threshold=threshold,
                                     replacement="xyzzy" if replacement == "[UNK]" else replacement)
        return {"ELMo forward": maps["forward"], "ELMo backward": maps["backward"], "ELMo both": maps["both"]}
    vocab = tokenizer.vocab
    for name, tokens in (("words", words), ("replacement", [replacement])):
        missing = [w for w in tokens if w not in vocab]
        if missing:
            raise ValueError(f"{name} must be tokens of the vocabulary; not in it: {missing}")
    ids = torch.tensor([vocab[w] for w in words])
    variants = torch.cat([ids[None], ids.repeat(len(ids), 1)])
    variants[1:].fill_diagonal_(vocab[replacement])
    model.eval()
    with torch.no_grad():
        if kind == "GPT":
            h = model.transformer(variants).last_hidden_state
        else:
            full = torch.cat([torch.full((len(variants), 1), tokenizer.cls_id), variants,
                              torch.full((len(variants), 1), tokenizer.sep_id)], 1)
            h = model.bert(full).last_hidden_state[:, 1:-1]
    moved = (h[1:] - h[:1]).abs().amax(-1).gt(threshold).T  # (output i, changed j)
    return {kind: moved}
