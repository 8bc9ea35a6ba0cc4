"""Bad input to public functions gets a clear error: the right type, and a message that names the argument.

One table: (call, expected error type, pattern the message must match).
"""

import json
import shutil
import warnings
from pathlib import Path

import pytest
import torch

from lessons_lib.data.corpus import load_corpus, load_text_file, word_counts
from lessons_lib.data.truncation import head_tail_split
from lessons_lib.generation import generate, top_k_filter, top_p_filter
from lessons_lib.layers.attention import MultiHeadAttention
from lessons_lib.layers.masks import combine_masks
from lessons_lib.layers.transformer import BlockConfig
from lessons_lib.models.bert import BertConfig, BertForPreTraining, BertModel
from lessons_lib.models.gpt2 import GPT2, GPT2Config
from lessons_lib.models.tiny_lm import TinyLMConfig
from lessons_lib.objectives.masking import MaskingRule
from lessons_lib.objectives.nsp import make_nsp_pairs
from lessons_lib.tokenizers.basic import basic_tokenize
from lessons_lib.tokenizers.bpe import ByteLevelBPE, load_gpt2_tokenizer
from lessons_lib.tokenizers.byte_level import pre_tokenize
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer, wordpiece
from lessons_lib.training.checkpoints import (
    SHIPPED_BERT,
    load_checkpoint,
    load_pretrained_bert,
    sha256,
)
from lessons_lib.training.loop import masked_accuracy, seed_everything, train_loop

CASES = [
    (lambda: load_corpus(["wiki", []]), ValueError, "sources"),
    (lambda: load_corpus(("wiki", "books")), ValueError, "sources"),
    (lambda: load_corpus(3), TypeError, "sources"),
    (lambda: load_corpus(seed=True), TypeError, "seed"),
    (lambda: word_counts("one text"), TypeError, "documents"),
    (lambda: word_counts([["a sentence"], "not a document"]), TypeError, r"documents\[1\]"),
    (lambda: wordpiece(None, {"a": 0}), TypeError, "word"),
    (lambda: wordpiece("a", ["a"]), TypeError, "vocab"),
    (lambda: basic_tokenize("text", lowercase="no"), TypeError, "lowercase"),
    (lambda: head_tail_split(-5), ValueError, "n_tokens"),
    (lambda: masked_accuracy([[0.1, 0.9]], torch.tensor([1])), TypeError, "logits"),
    (lambda: masked_accuracy(torch.zeros(1, 2), [1]), TypeError, "labels"),
    (lambda: combine_masks(torch.ones(2, dtype=torch.bool), [True, False]), TypeError, "masks"),
    (lambda: MultiHeadAttention(8, 2)(torch.zeros(1, 3, 4)), ValueError, "hidden_size"),
    (lambda: MultiHeadAttention(8, 0), ValueError, "num_heads must be an int >= 1"),
    (lambda: train_loop(torch.nn.Linear(1, 1), None, iter([]), None, steps=True), ValueError, "steps"),
    (lambda: seed_everything("0"), TypeError, "seed must be an int >= 0"),
    (lambda: BlockConfig(hidden_size=8, num_heads=2, dropout=-0.1), ValueError, "dropout"),
    (lambda: TinyLMConfig(10, num_layers=True), TypeError, "num_layers must be an int"),
    (lambda: MaskingRule(mask_prob=None), TypeError, "mask_prob must be a number"),
    (lambda: load_corpus(("wiki", "wiki")), ValueError, "sources must name each source once"),
    (lambda: load_text_file(Path(__file__), seed="x"), TypeError, "seed must be an int"),
    (lambda: basic_tokenize("text", never_split=None), TypeError, "never_split"),
    (lambda: BertConfig(vocab_size=10, layer_norm_eps=0), ValueError, "layer_norm_eps"),
    (lambda: _tiny_bert()([[1, 2, 3]]), TypeError, "input_ids must be an integer torch.Tensor"),
    (lambda: _tiny_bert()(torch.tensor([[1.0, 2.0]])), TypeError, "input_ids must be an integer torch.Tensor"),
    (lambda: _tiny_bert()(torch.tensor([[1, 99]])), ValueError, r"input_ids must lie in \[0, vocab_size=10\)"),
    (lambda: _tiny_pretraining()(torch.zeros(1, 0, dtype=torch.long)), ValueError, "seq >= 1"),
    (lambda: _tokenizer().decode(torch.zeros(2, 3, dtype=torch.long)), ValueError, "ids must be one sequence"),
    (lambda: make_nsp_pairs([["a", ""], ["b", "c"]]), ValueError, r"documents\[0\]\[1\] is an empty sentence"),
    (lambda: BertModel.from_huggingface(SHIPPED_BERT), ValueError, "lessons_lib checkpoint"),
    (lambda: load_gpt2_tokenizer().encode(None), TypeError, "text must be a str"),
    (lambda: load_gpt2_tokenizer().decode([15496, 50257]), ValueError, r"ids must be ints in \[0, vocab_size=50257\)"),
    (lambda: load_gpt2_tokenizer().decode([True]), TypeError, "ids must be a list of token ids"),
    (lambda: ByteLevelBPE.train(["a text"], 100), ValueError, "vocab_size must be an int >= 257"),
    (lambda: ByteLevelBPE.from_files("no-vocab.json", "no-merges.txt"), FileNotFoundError, "vocab_json"),
    (lambda: pre_tokenize(b"bytes"), TypeError, "text must be a str"),
    (lambda: GPT2Config(vocab_size=10, max_len=0), ValueError, "max_len must be an int >= 1"),
    (lambda: top_k_filter(torch.zeros(4), -1), ValueError, "k must be an int >= 1"),
    (lambda: top_p_filter(torch.zeros(4), 1.01), ValueError, "p must be a number in"),
    (lambda: generate(_tiny_gpt2(), torch.tensor([[1, 2]]), 1, temperature=0), ValueError, "temperature"),
    (lambda: generate(_tiny_gpt2(), torch.tensor([[1, 2]]), 2.5), TypeError, "max_new_tokens"),
    (lambda: generate(_tiny_gpt2(), torch.tensor([[1.0, 2.0]]), 1), TypeError, "ids"),
    (lambda: generate(_tiny_gpt2(), torch.tensor([[1, 2]]), 7), ValueError, "max_len=8"),
]


def _tiny_gpt2() -> GPT2:
    return GPT2(GPT2Config(vocab_size=10, max_len=8, hidden_size=8, num_layers=1, num_heads=2, intermediate_size=16))


def _tiny_bert() -> BertModel:
    return BertModel(BertConfig(vocab_size=10, hidden_size=8, num_layers=1, num_heads=2, intermediate_size=16))


def _tiny_pretraining() -> BertForPreTraining:
    return BertForPreTraining(BertConfig(vocab_size=10, hidden_size=8, num_layers=1, num_heads=2,
                                         intermediate_size=16))


def _tokenizer() -> WordPieceTokenizer:
    return WordPieceTokenizer(["[PAD]", "[UNK]", "a"])


def _copy_shipped(tmp_path: Path) -> Path:
    target = tmp_path / "bert-copy"
    shutil.copytree(SHIPPED_BERT, target)
    return target


# Files that are wrong on disk: (how to damage a copy of the shipped checkpoint or a text file,
# the call, error type, words the message must contain).
def _damage_weights(d: Path) -> None:
    data = bytearray((d / "model.safetensors").read_bytes())
    data[100:110] = b"xxxxxxxxxx"
    (d / "model.safetensors").write_bytes(bytes(data))


def _sums_of_the_damage(d: Path, name: str) -> None:
    # The sums made from the damaged file (as when a broken model was saved): only the reading can tell.
    meta = json.loads((d / "metadata.json").read_text())
    meta["sha256"][name] = sha256(d / name)
    (d / "metadata.json").write_text(json.dumps(meta))


def _truncate_weights(d: Path) -> None:
    (d / "model.safetensors").write_bytes((d / "model.safetensors").read_bytes()[:1000])
    _sums_of_the_damage(d, "model.safetensors")


def _bad_json(name: str):
    def damage(d: Path) -> None:
        (d / name).write_text("{not json")
    return damage


def _vocab_too_short(d: Path) -> None:
    lines = (d / "vocab.txt").read_text().splitlines()[:-5]
    (d / "vocab.txt").write_text("\n".join(lines) + "\n")
    _sums_of_the_damage(d, "vocab.txt")


def _config_wider(d: Path) -> None:
    config = json.loads((d / "config.json").read_text())
    config["hidden_size"] = 64
    (d / "config.json").write_text(json.dumps(config))
    _sums_of_the_damage(d, "config.json")


FILE_CASES = [
    (_damage_weights, load_pretrained_bert, ValueError, "model.safetensors is damaged"),
    (_truncate_weights, load_pretrained_bert, ValueError, "not a readable safetensors file"),
    (lambda d: (d / "metadata.json").unlink(), load_pretrained_bert, FileNotFoundError, "has no metadata.json"),
    (_bad_json("metadata.json"), load_pretrained_bert, ValueError, "metadata.json is damaged"),
    (_bad_json("config.json"), load_checkpoint, ValueError, "config.json is damaged"),
    (_vocab_too_short, load_pretrained_bert, ValueError, "vocab.txt holds 5995 tokens but config.json says"),
    (_config_wider, load_pretrained_bert, ValueError, "do not fit a BERT model"),
]


@pytest.mark.parametrize(("damage", "call", "error", "words"), FILE_CASES)
def test_a_damaged_checkpoint_file_is_named(tmp_path, damage, call, error, words):
    folder = _copy_shipped(tmp_path)
    damage(folder)
    with pytest.raises(error, match=words) as caught:
        call(folder)
    assert str(folder) in str(caught.value) or "re-create" in str(caught.value) or "command" in str(caught.value)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_text_and_vocabulary_files_must_be_utf8(tmp_path, encoding):
    text = tmp_path / "text.txt"
    text.write_text("Café crème.\n\n" * 12, encoding=encoding)
    with pytest.raises(ValueError, match="not UTF-8 text"):
        load_text_file(text)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\ncafé\n", encoding=encoding)
    with pytest.raises(ValueError, match="not a UTF-8 vocabulary file"):
        WordPieceTokenizer.from_vocab_file(vocab)


def test_binary_files_and_byte_order_marks(tmp_path):
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ValueError, match="not UTF-8"):
        load_text_file(binary)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\ncat\n", encoding="utf-8-sig")  # a byte-order mark, as some editors write
    assert WordPieceTokenizer.from_vocab_file(vocab).convert_ids_to_tokens([0, 2]) == ["[PAD]", "cat"]


def test_a_text_file_without_blank_lines_is_one_document_and_says_so(tmp_path):
    path = tmp_path / "one.txt"
    path.write_text("First sentence here. Second sentence here.\nThird line here.\n")
    with pytest.raises(ValueError, match=r"holds 1 document\(s\); documents are separated by blank lines"):
        load_text_file(path)


def test_a_hugging_face_folder_is_not_a_checkpoint(tmp_path):
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "vocab_size": 10}))
    (folder / "model.safetensors").write_bytes(b"")
    with pytest.raises(ValueError, match="is a Hugging Face bert folder, not a lessons_lib checkpoint: load it with "
                                         "BertModel.from_huggingface"):
        load_pretrained_bert(folder)


def test_a_vocabulary_larger_than_the_text_can_fill_warns():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tokenizer = WordPieceTokenizer.train(["a cat sat on a mat"] * 3, 500, show_progress=False)
    assert tokenizer.vocab_size < 500
    assert any("more than these texts can fill" in str(w.message) for w in caught)


@pytest.mark.parametrize(("call", "error", "name"), CASES)
def test_bad_argument_is_named(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_good_arguments_still_work():
    assert load_corpus(["wiki", "news"]) is load_corpus()  # a list of sources is read like a tuple
    assert word_counts([["The cat", "the dog"]])["the"] == 2
    assert head_tail_split(801) == (256, 254) and head_tail_split(0) == (128, 382)
    assert basic_tokenize("Hello", lowercase=False) == ["Hello"]


# --- cases that were silent or obscure: each now refused, naming the argument --------------------
def _gpt_classifier():
    from lessons_lib.models.gpt import GPTConfig, GPTForClassification

    config = GPTConfig(vocab_size=10, max_len=8, hidden_size=8, num_layers=1, num_heads=2, intermediate_size=16)
    return GPTForClassification(config, 2)


def _elmo():
    from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig

    return ElmoBiLM(ElmoConfig.tiny(10))


def _tiny_lm():
    from lessons_lib.models.tiny_lm import TinyLM

    return TinyLM(TinyLMConfig(10, hidden_size=8, num_layers=1, num_heads=2, max_len=8))


def _zero_row_mid_sentence():
    from lessons_lib.tokenizers.elmo_chars import batch_char_ids

    ids = batch_char_ids([["a", "b", "c"]])
    ids[0, 1] = 0
    return ids


_IDS = torch.tensor([[1, 2, 3]])
_WP = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"])

SILENT_OR_OBSCURE = [
    (lambda: _WP.decode([True, False]), TypeError, r"ids must be a list of token ids \(ints\), item 0 is True"),
    (lambda: _WP.convert_tokens_to_ids([1, 2]), TypeError, "tokens must be a list of strings, item 0"),
    (lambda: ByteLevelBPE.train([], 300, show_progress=False), ValueError, "texts must hold at least one"),
    (lambda: __import__("lessons_lib.objectives.next_token", fromlist=["x"]).windows_from_ids([[1, 2, -1, 4]], 2),
     ValueError, r"documents must hold token ids \(ints >= 0\)"),
    (lambda: __import__("lessons_lib.generation", fromlist=["x"]).choose_next(torch.full((1, 5), float("nan"))),
     ValueError, "logits row 0 holds NaN scores: the model's weights are spoiled"),
    (lambda: _elmo()(_zero_row_mid_sentence()), ValueError, "char_ids sentence 0 has an all-zero row"),
    (lambda: _elmo()(torch.full((1, 2, 50), 300)), ValueError, "char_ids must lie in"),
    (lambda: __import__("lessons_lib.tokenizers.elmo_chars", fromlist=["x"]).decode_char_ids([1, 2]), ValueError,
     "row must be one word's 50 character ids"),
    (lambda: __import__("lessons_lib.tokenizers.elmo_chars", fromlist=["x"]).decode_char_ids(torch.full((50,), 999)),
     ValueError, "row must lie in"),
    (lambda: load_text_file(None), TypeError, "path must be a path"),
    (lambda: __import__("lessons_lib.data.encoding", fromlist=["x"]).collate_pairs(
        [__import__("lessons_lib.data.encoding", fromlist=["x"]).PairEncoding(["a"], [0])], pad_id=0),
     TypeError, r"encodings\[0\] must hold token ids"),
    (lambda: __import__("lessons_lib.data.encoding", fromlist=["x"]).encode_texts(
        ByteLevelBPE.train(["a cat sat on a mat"] * 3, 260, show_progress=False), ["a text"]),
     TypeError, "tokenizer must be a BERT tokenizer"),
    (lambda: _gpt_classifier()(_IDS, torch.ones(1, 4)), ValueError, r"attention_mask must be shaped like input_ids"),
    (lambda: _gpt_classifier()(_IDS, extract_positions=[2]), TypeError, "extract_positions must be a torch.Tensor"),
    (lambda: _gpt_classifier()(_IDS, torch.tensor([[1, 2, 1]])), ValueError,
     r"attention_mask must hold only 0 \(padding\) and 1"),
    (lambda: _tiny_bert()(_IDS, torch.tensor([[0.0, 0.0, 1.0]])), TypeError, "token_type_ids must be an integer"),
    (lambda: _tiny_bert()(_IDS, None, torch.tensor([[1, 1, 2]])), ValueError, "attention_mask must hold only 0"),
    (lambda: _tiny_bert()(_IDS, None, torch.ones(1, 2)), ValueError, "attention_mask must be shaped like input_ids"),
    (lambda: _tiny_lm()(torch.tensor([[1, 99]])), ValueError, r"ids must lie in \[0, vocab_size=10\)"),
    (lambda: _tiny_lm()(torch.tensor([[1.0, 2.0]])), TypeError, "ids must be an integer tensor"),
    (lambda: _tiny_lm()(_IDS, positions=torch.tensor([[1, 0, 1]])), ValueError, "positions must be a boolean tensor"),
    (lambda: generate(_tiny_bert(), _IDS, 2, use_cache=False), TypeError,
     "model must be a left-to-right decoder .* got BertModel"),
    (lambda: __import__("lessons_lib.tasks.fill_mask", fromlist=["x"]).fill_mask(
        BertForPreTraining(BertConfig(vocab_size=6, hidden_size=8, num_layers=1, num_heads=2, intermediate_size=16,
                                      max_position_embeddings=16)), _WP, "a [MASK]", k=10**6),
     ValueError, r"k must be an int in \[1, 6\]"),
    (lambda: head_tail_split(3.5), TypeError, "n_tokens"),
]


@pytest.mark.parametrize(("call", "error", "words"), SILENT_OR_OBSCURE)
def test_silent_or_obscure_cases_now_name_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_numpy_integers_are_accepted_wherever_an_int_is():
    import numpy as np

    from lessons_lib.data.encoding import encode_pair
    from lessons_lib.data.truncation import truncate

    assert head_tail_split(np.int64(900)) == head_tail_split(900)
    assert truncate(list(range(12)), "head+tail", np.int32(5)) == truncate(list(range(12)), "head+tail", 5)
    assert encode_pair([np.int64(5)], [np.int16(6)], cls_id=np.int64(2), sep_id=3, max_len=np.int64(8)) == \
        encode_pair([5], [6], cls_id=2, sep_id=3, max_len=8)
    assert _WP.decode(np.array([5, 5])) == _WP.decode([5, 5])


def test_an_empty_merges_file_is_refused(tmp_path):
    ByteLevelBPE.train(["a cat sat on a mat"] * 3, 260, show_progress=False).save(tmp_path)
    (tmp_path / "merges.txt").write_text("")
    with pytest.raises(ValueError, match="merges_txt .* is empty"):
        ByteLevelBPE.from_files(tmp_path / "vocab.json", tmp_path / "merges.txt")


def test_tokenizer_files_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    from pathlib import Path as P

    real = P.write_text

    def full_disk(self, text, *args, **kwargs):
        real(self, text[: len(text) // 2], *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(P, "write_text", full_disk)
    with pytest.raises(OSError, match=rf"^cannot write into {tmp_path}: No space left on device"):
        _WP.save_vocab(tmp_path / "vocab.txt")
    with pytest.raises(OSError, match=rf"^cannot write into {tmp_path}: No space left on device"):
        ByteLevelBPE.train(["a cat sat on a mat"] * 3, 260, show_progress=False).save(tmp_path)
    assert list(tmp_path.iterdir()) == []  # no cut vocab.json, no empty vocab.txt, no partial file


def test_an_exercise_checker_given_a_float_mask_says_so():
    from lessons_lib.exercises import check

    def float_mask(attention_mask):
        return torch.ones(attention_mask.shape[0], attention_mask.shape[1], attention_mask.shape[1])

    assert check("gpt-combined-mask", float_mask) is False  # a verdict, not a crash
