"""What the models learn from: masked-LM corruption, next-sentence pairs, next-token targets."""

from lessons_lib.objectives.masking import (
    IGNORE_INDEX,
    MaskingRule,
    MaskingStats,
    mask_outcomes,
    mask_tokens,
    mask_with_rule,
    masking_rates,
)
from lessons_lib.objectives.next_token import (
    document_windows,
    heldout_perplexity,
    linear_cross_entropy,
    lm_batch,
    make_windows,
    next_token_loss,
    unigram_entropy,
    unigram_perplexity,
    windows_from_ids,
)
from lessons_lib.objectives.nsp import IS_NEXT, NOT_NEXT, NspPair, make_nsp_pairs, make_span_pairs

__all__ = ["IGNORE_INDEX", "IS_NEXT", "NOT_NEXT", "MaskingRule", "MaskingStats", "NspPair", "document_windows",
           "heldout_perplexity", "linear_cross_entropy", "lm_batch", "make_nsp_pairs", "make_span_pairs",
           "make_windows", "mask_outcomes", "mask_tokens", "mask_with_rule", "masking_rates", "next_token_loss",
           "unigram_entropy", "unigram_perplexity", "windows_from_ids"]
