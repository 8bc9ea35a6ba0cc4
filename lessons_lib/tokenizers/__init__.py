"""Tokenizers: text in, token ids out (WordPiece for BERT, characters for ELMo)."""

from lessons_lib.tokenizers.basic import SPECIAL_TOKENS, basic_tokenize
from lessons_lib.tokenizers.elmo_chars import (
    BOS_TOKEN,
    CHAR_VOCAB_SIZE,
    EOS_TOKEN,
    MAX_WORD_CHARS,
    batch_char_ids,
    decode_char_ids,
    elmo_char_ids,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer, wordpiece
from lessons_lib.tokenizers.wordpiece_training import learn_vocabulary

__all__ = ["BOS_TOKEN", "CHAR_VOCAB_SIZE", "EOS_TOKEN", "MAX_WORD_CHARS", "SPECIAL_TOKENS", "WordPieceTokenizer", "basic_tokenize", "batch_char_ids", "decode_char_ids",
           "elmo_char_ids", "learn_vocabulary", "wordpiece"]
