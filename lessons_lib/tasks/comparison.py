"""ELMo, GPT and BERT asked the same questions: notebook 07's measurements.

Every function takes one of the three pre-trained models (``ElmoBiLM``, ``GPT``,
``BertForPreTraining``) and the WordPiece tokenizer they share, and treats each the way it is
built to be used:

* **next word** (NLG): GPT and ELMo's forward LM read the words before and score the next one;
  BERT is asked the same by putting ``[MASK]`` where the next word goes, with nothing after it
  but ``[SEP]``.
* **direction**: which outputs move when one input token changes.
* **reach**: how strongly the prediction of the next word depends on each earlier token.

Each model is asked through a small reader with the same methods (``reader(model, tokenizer)``):
its next-word scores, its final vectors, its input token vectors, its context parameters; the
measurements below never test which model they hold. ``load_trio`` and ``trio_rows`` load the
matched trio and the rows of its training. The understanding tasks (NLU) are in ``understanding``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.checks import (
    check_ids_tensor,
    check_int,
    check_number,
    check_strings,
    check_type,
)
from lessons_lib.layers.modes import evaluating
from lessons_lib.tasks.readers import reader
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.checkpoints import (
    SHIPPED,
    SHIPPED_GPT,
    load_pretrained_bert,
    load_pretrained_elmo,
    load_pretrained_gpt,
)

MODEL_KINDS = ("ELMo", "GPT", "BERT")


CHECKPOINTS = {"ELMo": "compare-elmo", "BERT": "compare-bert"}  # the trio's folders; GPT is the shipped one


def model_kind(model: object) -> str:
    """``"ELMo"``, ``"GPT"`` or ``"BERT"``; a TypeError naming ``model`` for anything else."""
    return reader(model).name


def non_embedding_parameters(model: nn.Module) -> int:
    """Parameters outside the word and position tables and the output layer: the part that computes context.

    GPT and BERT tie their output layer to the token table (BERT's output bias and its segment
    table are left out too); ELMo's character CNN stays in (it builds token vectors from spelling,
    work GPT and BERT leave to the table), its softmax over the vocabulary is left out.
    """
    return reader(model).context_parameters()


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


@torch.no_grad()
def next_word_logits(model: nn.Module, tokenizer: WordPieceTokenizer, contexts: Tensor) -> Tensor:
    """(N, V) scores of the token after each context (N, T) of token ids, all read left to right only."""
    asked = reader(model, tokenizer)
    contexts = _check_ids(check_ids_tensor("contexts", contexts), tokenizer, "contexts")
    with evaluating(model):
        return asked.next_scores(contexts, contexts.shape[1])[:, -1]


@torch.no_grad()
def next_word_scores(model: nn.Module, tokenizer: WordPieceTokenizer, windows: Tensor, *, first: int = 1,
                     batch_size: int = 256) -> dict[str, float]:
    """Top-1 accuracy and perplexity of predicting token t + 1 of each window from tokens 0..t only.

    Every position from ``first`` on is a target, so the three models answer the same questions.
    GPT and ELMo score all positions of a window in one pass (their masks, or their reading
    direction, already hide the future); BERT gets one ``[CLS] w_0..w_t [MASK] [SEP]`` per target,
    ``batch_size`` of them per pass.
    """
    asked = reader(model, tokenizer)
    windows = _check_windows(windows, tokenizer)
    check_int("first", first, low=1, high=windows.shape[1] - 1)
    check_int("batch_size", batch_size, low=1)
    targets = windows[:, first:]  # (N, T - first)
    with evaluating(model):
        logits = asked.next_scores(windows[:, :-1], first, batch_size=batch_size)  # (N, T - first, V)
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    top1 = (logits.argmax(-1) == targets).float().mean()
    return {"top1": float(top1), "perplexity": math.exp(float(nll)), "predictions": targets.numel()}


def continue_greedy(model: nn.Module, tokenizer: WordPieceTokenizer, prompt: str, *, max_new_tokens: int = 12
                    ) -> list[str]:
    """The ``max_new_tokens`` tokens each model adds to ``prompt``, always taking its most likely next word.

    BERT's next word is its best guess for a ``[MASK]`` put after the text so far, repeated. The
    special tokens ([CLS], [SEP], [MASK], [PAD], [UNK]) are never chosen, for any model.
    """
    reader(model, check_type("tokenizer", tokenizer, WordPieceTokenizer))
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
    reader(model, tokenizer)
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
    asked = reader(model, tokenizer)
    windows = _check_windows(windows, tokenizer)
    contexts, target = windows[:, :-1], windows[:, -1]
    grabbed = {}

    def keep(module, inputs, output):
        output.retain_grad()
        grabbed["vectors"] = output

    handle = asked.token_vectors().register_forward_hook(keep)
    try:
        with evaluating(model):
            logits = asked.next_scores(contexts, contexts.shape[1])[:, -1]  # (N, V)
        logits.log_softmax(-1).gather(1, target[:, None]).sum().backward()
    finally:
        handle.remove()
        model.zero_grad(set_to_none=True)
    grads = grabbed["vectors"].grad.norm(dim=-1)[:, asked.context_columns(contexts.shape[1])]  # (N, T - 1)
    return grads.mean(0).flip(0)  # distance 0 = the token right before the prediction


def output_sensitivity(model: nn.Module, tokenizer: WordPieceTokenizer, words: Sequence[str], *,
                       replacement: str = "[UNK]", threshold: float = 1e-4) -> dict[str, Tensor]:
    """Which final outputs move when one input word changes: name -> (T, T) booleans, row = output, column = word.

    ELMo gives its forward half, its backward half and their concatenation (top LSTM layer); GPT
    and BERT their last block. Each word must be one token of the vocabulary; ``replacement`` (a
    token for GPT and BERT, any word for ELMo, which spells it) takes each word's place in turn.
    """
    asked = reader(model, tokenizer)
    words = check_strings("words", words)
    check_type("replacement", replacement, str)
    check_number("threshold", threshold, low=0.0)
    with evaluating(model):
        return asked.moved(words, replacement, threshold)


# ---------------------------------------------------------------------------------------------
# The matched trio of notebook 07


def load_trio(out: str | Path = SHIPPED, *, gpt: str | Path = SHIPPED_GPT) -> tuple[dict[str, nn.Module], WordPieceTokenizer]:
    """The matched ELMo, GPT and BERT (by name, in that order) and the vocabulary they share.

    By default the shipped ones: ``lessons_lib/checkpoints/compare-elmo``, ``gpt-tiny`` and ``compare-bert``.
    """
    check_type("out", out, (str, Path))
    elmo, tokenizer, _ = load_pretrained_elmo(Path(out) / CHECKPOINTS["ELMo"])
    gpt_model, gpt_tokenizer, _ = load_pretrained_gpt(gpt)
    bert, bert_tokenizer, _ = load_pretrained_bert(Path(out) / CHECKPOINTS["BERT"])
    if not tokenizer.vocab == gpt_tokenizer.vocab == bert_tokenizer.vocab:
        raise ValueError(f"the checkpoints in {out} and {gpt} do not share one vocabulary")
    return {"ELMo": elmo, "GPT": gpt_model, "BERT": bert}, tokenizer


_OBJECTIVES = {  # each model's own held-out loss, read from its checkpoint's metadata
    "ELMo": ("forward + backward LM, mean", lambda m: (math.log(m["heldout_forward_perplexity"])
                                                       + math.log(m["heldout_backward_perplexity"])) / 2),
    "GPT": ("next token", lambda m: math.log(m["heldout_perplexity"])),
    "BERT": ("masked LM (selected positions)", lambda m: m["heldout_mlm_loss"]),
}


def trio_rows(out: str | Path = SHIPPED, *, gpt: str | Path = SHIPPED_GPT) -> list[dict]:
    """One row per model of the matched trio: parameters, training tokens and time, held-out loss of its own objective
    (and the checkpoint's whole ``metadata``).

    Read from the checkpoints' metadata (the ELMo and BERT of ``out``, the GPT of ``gpt``); the
    non-embedding parameters are counted on the loaded models.
    """
    check_type("out", out, (str, Path))
    out = Path(out)
    rows = []
    for name, loader, directory in (("ELMo", load_pretrained_elmo, out / CHECKPOINTS["ELMo"]),
                                    ("GPT", load_pretrained_gpt, Path(gpt)),
                                    ("BERT", load_pretrained_bert, out / CHECKPOINTS["BERT"])):
        model, _, metadata = loader(directory)
        objective, loss = _OBJECTIVES[name]
        rows.append({"model": name, "non_embedding_parameters": non_embedding_parameters(model),
                     "parameters": metadata["parameters"],
                     # GPT's shipped run reads whole windows: steps x batch x window tokens.
                     "trained_tokens": metadata.get("trained_tokens",
                                                    metadata["steps"] * metadata["batch_size"] * metadata.get("window", 0)),
                     "steps": metadata["steps"], "wall_time_seconds": metadata["wall_time_seconds"],
                     "cpu_time_seconds": metadata.get("cpu_time_seconds"), "objective": objective,
                     "heldout_loss": round(loss(metadata), 3), "command": metadata["command"], "metadata": metadata})
    return rows


def trio_table(rows: list[dict]) -> str:
    """``trio_rows`` as aligned text, one line per model."""
    lines = [f"{'model':<6}{'context params':>16}{'trained tokens':>16}{'wall s':>8}{'CPU s':>8}  held-out loss (own objective)"]
    for row in rows:
        cpu = "-" if row["cpu_time_seconds"] is None else f"{row['cpu_time_seconds']:.0f}"
        lines.append(f"{row['model']:<6}{row['non_embedding_parameters']:>16,}{row['trained_tokens']:>16,}"
                     f"{row['wall_time_seconds']:>8.0f}{cpu:>8}  "
                     f"{row['heldout_loss']:.3f} nats, {row['objective']}")
    return "\n".join(lines)
