"""lessons_lib.tokenizers.bpe: ByteLevelBPE with GPT-2's own files, against Hugging Face's GPT-2 tokenizer."""

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.data.corpus import SPLITS, load_corpus
from lessons_lib.tokenizers.bpe import ByteLevelBPE, gpt2_tokenizer_files, load_gpt2_tokenizer
from lessons_lib.tokenizers.bpe_training import byte_tokens

# Characters Unicode 14 assigns (see tests/tokenizers/test_byte_level.py for why), and pieces that
# stress the tokenizer: emoji, Chinese, control characters, long runs of spaces and newlines.
_CHARACTERS = st.characters(exclude_categories=["Cn", "Cs"])
_PIECES = st.sampled_from(["😀", "👍🏽", "🇫🇷", "我爱北京天安门", "中文", "\x00", "\x1b[0m", "\x7f", "\u200b", " " * 17,
                           "\n" * 9, " \n \n", "\t\t", "'s", "'ll", "<|endoftext|>", " the", "ing", "é", "12345"])
TEXT = st.text(_CHARACTERS) | st.lists(_PIECES | st.text(_CHARACTERS, max_size=5), max_size=10).map("".join)


@pytest.fixture(scope="module")
def gpt2():
    return load_gpt2_tokenizer()


@pytest.fixture(scope="module")
def reference():
    transformers = pytest.importorskip("transformers")
    vocab_path, merges_path = gpt2_tokenizer_files()
    vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
    merges = [tuple(line.split(" ")) for line in merges_path.read_text(encoding="utf-8").splitlines()[1:]]
    # vocab= and merges= as objects: in transformers 5, vocab_file=/merges_file= are not read, and the
    # tokenizer is silently empty. Check it really is GPT-2's before comparing with it.
    tokenizer = transformers.GPT2Tokenizer(vocab=vocab, merges=merges)
    assert tokenizer.encode("Hello world") == [15496, 995] and len(tokenizer) == 50257
    return tokenizer


def test_hello_world(gpt2):
    assert gpt2.encode("Hello world") == [15496, 995]
    assert gpt2.tokenize("Hello world") == ["Hello", "Ġworld"]
    assert gpt2.decode([15496, 995]) == "Hello world"
    assert gpt2.vocab_size == len(gpt2) == 50257 and len(gpt2.merges) == 50000
    assert gpt2.end_of_text_id == 50256 and gpt2.special_tokens == ["<|endoftext|>"]
    assert gpt2.token_to_id("Ġworld") == 995 and gpt2.id_to_token(995) == "Ġworld"
    assert list(gpt2.vocab)[:256] == byte_tokens()  # ids 0 .. 255 are the bytes


def test_equal_to_reference_on_the_whole_corpus(gpt2, reference):
    corpus = load_corpus()
    text = "\n".join(sentence for split in SPLITS for sentence in corpus.sentences(split))
    assert len(text) > 2_000_000
    ids = gpt2.encode(text)
    assert ids == reference.encode(text)
    assert gpt2.decode(ids) == text


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_equal_to_reference_on_arbitrary_text(gpt2, reference, text):
    ids = gpt2.encode(text)
    assert ids == reference.encode(text)
    assert gpt2.decode(ids) == text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50256), max_size=8))
def test_decode_equals_reference_on_arbitrary_ids(gpt2, reference, ids):
    # Most id sequences cut characters: their stray bytes become '\ufffd' in both.
    assert gpt2.decode(ids) == reference.decode(ids)


def test_special_token_is_kept_whole(gpt2):
    assert gpt2.encode("a<|endoftext|>b") == [64, 50256, 65]
    assert gpt2.encode("<|endoftext|><|endoftext|>") == [50256, 50256]
    assert gpt2.decode([15496, 50256, 995]) == "Hello<|endoftext|> world"


def test_chinese_and_emoji_fall_back_to_bytes(gpt2):
    ids = gpt2.encode("我爱北京")
    assert len(ids) > 4 and gpt2.decode(ids) == "我爱北京"  # no unknown token: bytes, some merged
    assert gpt2.decode(ids[:1]) == "\ufffd"  # one token is only part of a character
    assert gpt2.tokenize(" 😀") == ["ĠðŁĺ", "Ģ"]


def _toy(merges):
    vocab = {t: i for i, t in enumerate(byte_tokens())}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    return ByteLevelBPE(vocab, merges)


def test_merges_are_applied_by_rank_not_left_to_right():
    # In "abc" the pairs are (a, b) and (b, c): the lower rank wins, wherever it stands.
    assert _toy([("b", "c"), ("a", "b")]).tokenize("abc") == ["a", "bc"]
    assert _toy([("a", "b"), ("b", "c")]).tokenize("abc") == ["ab", "c"]
    # All occurrences of the best pair merge at once, left to right ("aaa": (a, a) once, then a).
    assert _toy([("a", "a")]).tokenize("aaa") == ["aa", "a"]
    assert _toy([("a", "a"), ("aa", "aa")]).tokenize("aaaaa") == ["aaaa", "a"]
    # Merges never cross pre-tokens: "a b" is "a", "Ġb" even with (a, Ġ) known.
    assert _toy([("a", "Ġ")]).tokenize("a b") == ["a", "Ġ", "b"]


def test_save_writes_gpt2s_own_files_byte_for_byte(gpt2, tmp_path):
    vocab_path, merges_path = gpt2.save(tmp_path / "gpt2")
    assert (vocab_path.name, merges_path.name) == ("vocab.json", "merges.txt")
    originals = gpt2_tokenizer_files()
    for saved, original in zip((vocab_path, merges_path), originals, strict=True):
        assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(original.read_bytes()).digest()
    loaded = ByteLevelBPE.from_files(vocab_path, merges_path)
    assert loaded.vocab == gpt2.vocab and loaded.merges == gpt2.merges


def test_the_cache_does_not_change_results(gpt2):
    fresh = ByteLevelBPE(gpt2.vocab, gpt2.merges)
    text = "the cat the cat sat"
    assert fresh.encode(text) == fresh.encode(text) == gpt2.encode(text)


# -- bad input: the error names the argument ---------------------------------------------------


def test_bad_text_and_ids_are_named(gpt2):
    with pytest.raises(TypeError, match="text must be a str"):
        gpt2.encode(["Hello"])
    with pytest.raises(ValueError, match="text must be text that UTF-8 can write"):
        gpt2.encode("a\ud800b")
    with pytest.raises(ValueError, match=r"ids must be ints in \[0, vocab_size=50257\), item 1 is 50257"):
        gpt2.decode([0, 50257])
    with pytest.raises(ValueError, match="ids must be ints"):
        gpt2.decode([-1])
    with pytest.raises(TypeError, match="ids must be a list of token ids"):
        gpt2.decode([1.5])
    with pytest.raises(TypeError, match="ids must be a list of token ids"):
        gpt2.decode("15496")
    with pytest.raises(ValueError, match="token must be in the vocabulary"):
        gpt2.token_to_id("world ")


def _write(tmp_path, vocab_text: str | bytes, merges_text: str | bytes):
    vocab_path, merges_path = tmp_path / "vocab.json", tmp_path / "merges.txt"
    for path, content in ((vocab_path, vocab_text), (merges_path, merges_text)):
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return vocab_path, merges_path


_BYTES = {t: i for i, t in enumerate(byte_tokens())}
_GOOD_VOCAB = json.dumps({**_BYTES, "ab": 256})


@pytest.mark.parametrize(("vocab_text", "merges_text", "words"), [
    ("{not json", "a b\n", "vocab_json .* is not valid JSON"),
    ("[1, 2]", "a b\n", "vocab_json .* must be a mapping of token -> id"),
    (json.dumps({**_BYTES, "ab": 300}), "a b\n", "vocab_json .* must use each id 0 .. 256 exactly once"),
    (json.dumps({**_BYTES, "ab": "256"}), "a b\n", "vocab_json .* must map non-empty str tokens to int ids"),
    (json.dumps({"a": 0, "b": 1, "ab": 2}), "a b\n", "vocab_json .* must hold all 256 byte tokens"),
    ("{}".encode("utf-16"), "a b\n", "vocab_json .* is not UTF-8 text"),
    (_GOOD_VOCAB, "#version: 0.2\na b c\n", "merges_txt .* line 2 must be two tokens"),
    (_GOOD_VOCAB, "ab\n", "merges_txt .* line 1 must be two tokens"),
    (_GOOD_VOCAB, "a  b\n", "merges_txt .* line 1 must be two tokens"),
    (_GOOD_VOCAB, "a c\n", "merges_txt .* merge 0 'a c' uses or makes 'ac', which is not in the vocabulary"),
    (_GOOD_VOCAB, "a b\nx\u2603 b\n", r"merges_txt .* merge 1 'x\u2603 b' uses or makes 'x\u2603'"),
    (_GOOD_VOCAB, "a b\na b\n", "merges_txt .* merge 1 'a b' is listed twice"),
    (_GOOD_VOCAB, b"a b\n\xff\xfe\n", "merges_txt .* is not UTF-8 text"),
])
def test_damaged_files_are_named(tmp_path, vocab_text, merges_text, words):
    with pytest.raises(ValueError, match=words):
        ByteLevelBPE.from_files(*_write(tmp_path, vocab_text, merges_text))


def test_good_files_load_with_or_without_the_version_line(tmp_path):
    for merges_text in ("#version: 0.2\na b\n", "a b", "a b\r\n\n"):
        tokenizer = ByteLevelBPE.from_files(*_write(tmp_path, _GOOD_VOCAB, merges_text))
        assert tokenizer.tokenize("abab") == ["ab", "ab"] and tokenizer.special_tokens == []


def test_missing_files_and_bad_arguments_are_named(tmp_path):
    vocab_path, merges_path = _write(tmp_path, _GOOD_VOCAB, "a b\n")
    with pytest.raises(FileNotFoundError, match="vocab_json .*nowhere.json"):
        ByteLevelBPE.from_files(tmp_path / "nowhere.json", merges_path)
    with pytest.raises(FileNotFoundError, match="merges_txt"):
        ByteLevelBPE.from_files(vocab_path, tmp_path)  # a folder is not a file
    with pytest.raises(TypeError, match="vocab_json must be a str or a path"):
        ByteLevelBPE.from_files(None, merges_path)
    with pytest.raises(TypeError, match="vocab must be a mapping"):
        ByteLevelBPE(list(_BYTES), [])
    with pytest.raises(TypeError, match="merges must be a list of"):
        ByteLevelBPE(_BYTES, "a b")
    with pytest.raises(ValueError, match="merges must hold .* merge 0 is 'ab'"):
        ByteLevelBPE({**_BYTES, "ab": 256}, ["ab"])
    with pytest.raises(TypeError, match="folder must be a str or a path"):
        ByteLevelBPE(_BYTES, []).save(3)
