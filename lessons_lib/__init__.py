"""lessons_lib: the small library the notebooks build BERT, ELMo and GPT on.

Every public name is importable from the package itself (``from lessons_lib import BertModel``)
or from its module (``from lessons_lib.bert import BertModel``); both stay stable.
"""

from types import ModuleType as _ModuleType

from lessons_lib.attention import (
    MultiHeadAttention,
    combine_masks,
    look_ahead_mask,
    padding_mask,
    scaled_dot_product_attention,
)
from lessons_lib.bert import (
    BertConfig,
    BertEmbeddings,
    BertForPreTraining,
    BertForSequenceClassification,
    BertModel,
    BertOutput,
    BertPreTrainingHeads,
)
from lessons_lib.classification import (
    accuracy,
    bag_of_words_baseline,
    encode_texts,
    fine_tune,
    majority_baseline,
    predict,
    split_train_test,
)
from lessons_lib.corpus import (
    Corpus,
    Document,
    corpus_statistics,
    data_path,
    load_corpus,
    load_polarity,
    load_text_file,
    source_labelled_sentences,
    split_sentences,
    word_counts,
)
from lessons_lib.exercises import check, exercise, solution
from lessons_lib.masking import MaskingStats, mask_outcomes, mask_tokens, masking_rates
from lessons_lib.mlm_experiments import (
    RunResult,
    RunSettings,
    TinyLM,
    first_step_below,
    heldout_loss,
    lm_batch,
    make_windows,
    mean_and_spread,
    probe_scores,
    record_run,
    rule_name,
    settings_dict,
    train_run,
    unigram_entropy,
    windows_from_ids,
)
from lessons_lib.nsp import (
    NspPair,
    PairEncoding,
    collate_pairs,
    encode_pair,
    make_nsp_pairs,
    make_span_pairs,
    truncate_pair,
)
from lessons_lib.nsp_eval import (
    candidate_next_sentences,
    confusion_matrix,
    fine_tune_nsp,
    is_next_probability,
    nsp_batches,
    nsp_scores,
)
from lessons_lib.plots import plot_attention, plot_corpus_statistics, plot_losses, plot_mask
from lessons_lib.pretrain import load_pretrained_bert, pretrain_bert
from lessons_lib.pretraining import (
    MaskingRule,
    PairExample,
    PretrainingStream,
    encode_documents,
    evaluate_pretraining,
    fill_mask,
    make_batch,
    pretraining_loss,
    pretraining_metrics,
)
from lessons_lib.representations import cosine_by_layer, word_vectors_by_layer
from lessons_lib.tokenizer import WordPieceTokenizer, basic_tokenize, wordpiece
from lessons_lib.training import (
    TrainHistory,
    count_parameters,
    evaluate,
    load_checkpoint,
    masked_accuracy,
    release_memory,
    resident_memory_mb,
    save_checkpoint,
    seed_everything,
    train_loop,
    warmup_linear_schedule,
)
from lessons_lib.transformer import EncoderBlock, FeedForward, TransformerBlock
from lessons_lib.truncation import head_tail_split, kept_mask, truncate
from lessons_lib.widgets import (
    chip,
    masking_widget,
    nsp_widget,
    render_masking,
    render_nsp_candidates,
    render_tokens,
    render_truncation,
    tokenizer_widget,
    truncation_widget,
)

__all__ = sorted(name for name, value in globals().items()
                 if not name.startswith("_") and not isinstance(value, _ModuleType))
