"""lessons_lib: the small library the notebooks build BERT, ELMo and GPT on.

Every public name is importable from the package itself (``from lessons_lib import BertModel``)
or from its module (``from lessons_lib.bert import BertModel``); both stay stable.
"""

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
)
from lessons_lib.corpus import (
    Corpus,
    Document,
    corpus_statistics,
    load_corpus,
    load_polarity,
    load_text_file,
    split_sentences,
)
from lessons_lib.exercises import check
from lessons_lib.masking import MaskingStats, mask_outcomes, mask_tokens, masking_rates
from lessons_lib.nsp import (
    NspPair,
    PairEncoding,
    collate_pairs,
    encode_pair,
    make_nsp_pairs,
    truncate_pair,
)
from lessons_lib.pretrain import load_pretrained_bert
from lessons_lib.pretraining import (
    MaskingRule,
    PretrainingStream,
    encode_documents,
    evaluate_pretraining,
    pretraining_loss,
)
from lessons_lib.tokenizer import WordPieceTokenizer, basic_tokenize, wordpiece
from lessons_lib.training import (
    TrainHistory,
    count_parameters,
    evaluate,
    load_checkpoint,
    masked_accuracy,
    save_checkpoint,
    seed_everything,
    train_loop,
    warmup_linear_schedule,
)
from lessons_lib.transformer import EncoderBlock, FeedForward, TransformerBlock

__all__ = [name for name in dir() if not name.startswith("_") and name not in {"attention", "bert", "corpus",
           "exercises", "masking", "nsp", "pretrain", "pretraining", "tokenizer", "training", "transformer"}]
