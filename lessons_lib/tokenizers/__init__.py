"""Tokenizers: text in, token ids out (WordPiece for BERT, characters for ELMo, byte-level BPE for GPT-2)."""

from lessons_lib.tokenizers.basic import SPECIAL_TOKENS, basic_tokenize
from lessons_lib.tokenizers.bpe import ByteLevelBPE, gpt2_tokenizer_files, load_gpt2_tokenizer
from lessons_lib.tokenizers.bpe_training import END_OF_TEXT, byte_tokens, learn_bpe
from lessons_lib.tokenizers.byte_level import (
    GPT2_SPLIT_PATTERN,
    bytes_to_unicode,
    from_printable,
    pre_tokenize,
    to_printable,
    unicode_to_bytes,
)
from lessons_lib.tokenizers.elmo_chars import (
    BOS_TOKEN,
    CHAR_VOCAB_SIZE,
    EOS_TOKEN,
    MAX_WORD_CHARS,
    batch_char_ids,
    decode_char_ids,
    elmo_char_ids,
    vocabulary_char_ids,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer, wordpiece
from lessons_lib.tokenizers.wordpiece_training import learn_vocabulary

__all__ = ["BOS_TOKEN", "CHAR_VOCAB_SIZE", "EOS_TOKEN", "MAX_WORD_CHARS", "SPECIAL_TOKENS", "WordPieceTokenizer", "basic_tokenize", "batch_char_ids", "decode_char_ids",
           "elmo_char_ids", "learn_vocabulary", "wordpiece",
           "END_OF_TEXT", "GPT2_SPLIT_PATTERN", "ByteLevelBPE", "byte_tokens", "bytes_to_unicode", "from_printable",
           "gpt2_tokenizer_files", "learn_bpe", "load_gpt2_tokenizer", "pre_tokenize", "to_printable", "unicode_to_bytes",
           "vocabulary_char_ids"]
