"""lessons_lib.tokenizers.basic: cleaning, lower-casing, punctuation and CJK splitting, special tokens kept."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.tokenizers.basic import SPECIAL_TOKENS, basic_tokenize


def test_special_tokens_are_bert_s_five_in_vocabulary_order():
    assert SPECIAL_TOKENS == ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def test_basic_tokenizer_steps():
    assert basic_tokenize("Héllo, World!") == ["hello", ",", "world", "!"]
    assert basic_tokenize("Héllo", lowercase=False) == ["Héllo"]
    assert basic_tokenize("中文abc") == ["中", "文", "abc"]
    assert basic_tokenize("[MASK] it") == ["[MASK]", "it"]
    assert basic_tokenize("it[MASK]") == ["it", "[MASK]"]
    assert basic_tokenize("it[MASK]", never_split=()) == ["it", "[", "mask", "]"]
    assert basic_tokenize("a\u0000b\tc\u00a0d") == ["ab", "c", "d"]
    assert basic_tokenize("") == [] and basic_tokenize(" \t\n") == []


def test_never_split_prefers_the_longest_special_token():
    assert basic_tokenize("x[MASK]y", never_split=("[MASK]", "[MASK]y")) == ["x", "[MASK]y"]


def test_bad_arguments():
    with pytest.raises(TypeError, match="text"):
        basic_tokenize(None)
    with pytest.raises(TypeError, match="text"):
        basic_tokenize(b"bytes")
    with pytest.raises(TypeError, match="lowercase"):
        basic_tokenize("text", lowercase="no")
    with pytest.raises(TypeError, match="never_split"):
        basic_tokenize("text", never_split="[CLS]")


def _reference(lowercase: bool):
    legacy = pytest.importorskip("transformers.models.bert.tokenization_bert_legacy")
    return legacy.BasicTokenizer(do_lower_case=lowercase)


EDGE_CASES = [
    "Café, naïve, résumé", "Cafe\u0301 and cafe\u0301", "emoji 😀 and ✨ sparkles 👍🏽", "a\u0000b\ufffdc\u200bd",
    "tab\tnew\nline\u2028sep\u00a0nbsp", "ＡＢＣ全角１２３", "Ǆ ß İ ﬁ Ω Å K", "日本語のテキスト", "한국어 텍스트",
    "Привет, мир! Γειά σου. مرحبا بالعالم. שלום", "BERT模型 works 很好 in 2019年!", "x" * 150,
    "$100 ^caret^ `tick` ~tilde~", "¿Qué? ¡Sí! «quote» — dash… 1,000.5%", "",
]


@pytest.mark.parametrize("lowercase", [True, False])
def test_equal_to_transformers_basic_tokenizer_on_edge_cases(lowercase):
    reference = _reference(lowercase)
    for text in EDGE_CASES:
        assert basic_tokenize(text, lowercase=lowercase, never_split=()) == reference.tokenize(text), text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.booleans())
def test_equal_to_transformers_basic_tokenizer_on_random_unicode(text, lowercase):
    assert basic_tokenize(text, lowercase=lowercase, never_split=()) == _reference(lowercase).tokenize(text)
