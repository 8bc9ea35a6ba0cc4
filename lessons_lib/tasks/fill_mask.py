"""Fill in the blank: what a pre-trained masked LM guesses for a [MASK] in a sentence."""

from __future__ import annotations

import torch

from lessons_lib.checks import check_int, check_type
from lessons_lib.models.bert import BertForPreTraining
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer


@torch.no_grad()
def fill_mask(model: BertForPreTraining, tokenizer: WordPieceTokenizer, text: str, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` most probable tokens for the first [MASK] in ``text``, with their probabilities."""
    check_type("model", model, BertForPreTraining)
    check_type("text", text, str)
    tokens = tokenizer.tokenize(text)
    if "[MASK]" not in tokens:
        raise ValueError(f"text must contain [MASK], got {text!r}")
    check_int("k", k, low=1, high=model.config.vocab_size)
    ids = torch.tensor([[tokenizer.cls_id, *tokenizer.convert_tokens_to_ids(tokens), tokenizer.sep_id]])
    first = torch.zeros_like(ids, dtype=torch.bool)
    first[0, tokens.index("[MASK]") + 1] = True  # +1 skips [CLS]
    was_training = model.training
    model.eval()
    probs = model(ids, mlm_positions=first).mlm_logits[0].softmax(-1)  # (vocab,)
    model.train(was_training)
    top = probs.topk(k)
    return list(zip(tokenizer.convert_ids_to_tokens(top.indices.tolist()), top.values.tolist(), strict=True))
