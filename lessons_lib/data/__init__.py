"""Data: the default corpus, labelled sets, encoding of texts and pairs, padding, truncation."""

from lessons_lib.data.corpus import (
    SOURCES,
    SPLITS,
    Corpus,
    Document,
    corpus_statistics,
    data_path,
    load_corpus,
    load_text_file,
    split_sentences,
    word_counts,
)
from lessons_lib.data.encoding import (
    PairEncoding,
    collate_pairs,
    encode_pair,
    encode_texts,
    pad_rows,
    padded_batch,
    truncate_pair,
)
from lessons_lib.data.labelled import (
    load_polarity,
    source_labelled_sentences,
    split_train_test,
    word_order_labelled_sentences,
)
from lessons_lib.data.polysemy import POLYSEMY, SenseExample, polysemy_examples
from lessons_lib.data.truncation import (
    BERT_MAX_TOKENS,
    STRATEGIES,
    head_tail_split,
    kept_mask,
    truncate,
)

__all__ = ["BERT_MAX_TOKENS", "POLYSEMY", "SOURCES", "SPLITS", "STRATEGIES", "Corpus", "Document",
           "PairEncoding", "SenseExample", "collate_pairs", "corpus_statistics", "data_path", "encode_pair",
           "encode_texts", "head_tail_split", "kept_mask", "load_corpus", "load_polarity", "load_text_file",
           "pad_rows", "padded_batch", "polysemy_examples", "source_labelled_sentences", "split_sentences",
           "split_train_test", "truncate", "truncate_pair", "word_counts", "word_order_labelled_sentences"]
