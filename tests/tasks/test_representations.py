"""lessons_lib.tasks.representations: a word's vector after every layer, and its cosine across contexts."""

import pytest
import torch
import torch.nn.functional as F

from lessons_lib.models.bert import BertConfig, BertForSequenceClassification, BertModel
from lessons_lib.tasks.representations import cosine_by_layer, word_vectors_by_layer
from lessons_lib.tokenizers import SPECIAL_TOKENS, WordPieceTokenizer

WORDS = ["the", "he", "sat", "by", "river", "paid", "into", "bank", "money", "was", "un", "##believ", "##able"]


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer([*SPECIAL_TOKENS, *WORDS])


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_layers=2, num_heads=2,
                        intermediate_size=64, max_position_embeddings=32)
    model = BertModel(config).eval()
    with torch.no_grad():  # weights larger than BERT's init (std 0.02), so that context visibly matters
        for weight in model.parameters():
            if weight.dim() == 2:
                weight.normal_(std=0.3)
    return model


def _hidden_states(model, tokenizer, sentence):
    ids = torch.tensor([[tokenizer.cls_id, *tokenizer.encode(sentence), tokenizer.sep_id]])
    with torch.no_grad():
        return model(ids, output_hidden_states=True).hidden_states


def test_one_vector_per_layer_plus_the_embeddings(model, tokenizer):
    vectors = word_vectors_by_layer(model, tokenizer, "he sat by the river bank", "bank")
    assert vectors.shape == (model.config.num_layers + 1, model.config.hidden_size)
    states = _hidden_states(model, tokenizer, "he sat by the river bank")
    torch.testing.assert_close(vectors, torch.stack([h[0, 6] for h in states]))  # [CLS] he sat by the river bank


def test_a_word_of_several_pieces_uses_its_first_piece(model, tokenizer):
    assert tokenizer.tokenize("unbelievable") == ["un", "##believ", "##able"]
    vectors = word_vectors_by_layer(model, tokenizer, "he was unbelievable", "unbelievable")
    states = _hidden_states(model, tokenizer, "he was unbelievable")
    torch.testing.assert_close(vectors, torch.stack([h[0, 3] for h in states]))  # [CLS] he was un


def test_the_model_is_put_in_eval_mode(model, tokenizer):
    model.train()
    first = word_vectors_by_layer(model, tokenizer, "he paid money into the bank", "bank")
    assert not model.training
    second = word_vectors_by_layer(model.train(), tokenizer, "he paid money into the bank", "bank")
    assert torch.equal(first, second)  # no dropout
    model.eval()


def test_bad_input_to_word_vectors_by_layer(model, tokenizer):
    with pytest.raises(ValueError, match="does not occur in sentence"):
        word_vectors_by_layer(model, tokenizer, "he sat by the river", "bank")
    with pytest.raises(ValueError, match="word"):
        word_vectors_by_layer(model, tokenizer, "he sat by the river", "")
    classifier = BertForSequenceClassification(model.config, 2, bert=model)
    with pytest.raises(TypeError, match="model"):
        word_vectors_by_layer(classifier, tokenizer, "he sat by the river bank", "bank")


def test_cosine_has_one_value_per_layer_plus_the_embeddings(model, tokenizer):
    cosines = cosine_by_layer(model, tokenizer, "he sat by the river bank", "he paid money into the bank", "bank")
    assert isinstance(cosines, list) and len(cosines) == model.config.num_layers + 1
    # "bank" is token 6 of the first sentence and token 6 of the second ([CLS] counted).
    first = _hidden_states(model, tokenizer, "he sat by the river bank")
    second = _hidden_states(model, tokenizer, "he paid money into the bank")
    expected = [F.cosine_similarity(a[0, 6], b[0, 6], dim=0).item() for a, b in zip(first, second, strict=True)]
    assert cosines == pytest.approx(expected, abs=1e-6)


def test_identical_sentences_give_cosine_one_at_every_layer(model, tokenizer):
    sentence = "he paid money into the bank"
    assert cosine_by_layer(model, tokenizer, sentence, sentence, "bank") == pytest.approx([1.0] * 3, abs=1e-6)


def test_only_the_layers_see_the_context(model, tokenizer):
    # "bank" is the 5th token of both: the same token, segment and position, so the same embedding.
    cosines = cosine_by_layer(model, tokenizer, "he sat by the bank", "he paid into the bank", "bank")
    assert cosines[0] == pytest.approx(1.0, abs=1e-6)
    assert cosines[-1] < 0.99


def test_bad_input_to_cosine_by_layer(model, tokenizer):
    with pytest.raises(ValueError, match="first"):
        cosine_by_layer(model, tokenizer, "he sat by the river", "he paid into the bank", "bank")
    with pytest.raises(ValueError, match="second"):
        cosine_by_layer(model, tokenizer, "he sat by the bank", "he paid into the river", "bank")
    with pytest.raises(ValueError, match="word"):
        cosine_by_layer(model, tokenizer, "he sat by the bank", "he paid into the bank", "")
    with pytest.raises(TypeError, match="model"):
        cosine_by_layer(torch.nn.Linear(2, 2), tokenizer, "he sat by the bank", "he paid into the bank", "bank")


# --- ELMo: the same questions, and which outputs each half sees --------------------------------------


@pytest.fixture(scope="module")
def elmo():
    from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig

    torch.manual_seed(0)
    return ElmoBiLM(ElmoConfig.reference_test(vocab_size=20)).eval()


def test_elmo_word_vectors_are_its_layers_at_the_words_first_piece(elmo, tokenizer):
    from lessons_lib.tokenizers.elmo_chars import elmo_char_ids

    vectors = word_vectors_by_layer(elmo, tokenizer, "he sat by the river bank", "bank")
    assert vectors.shape == (3, 32)
    with torch.no_grad():
        out = elmo(elmo_char_ids(tokenizer.tokenize("he sat by the river bank"))[None], logits=False)
    torch.testing.assert_close(vectors, torch.stack([h[0, 5] for h in out.representations]))
    cosines = cosine_by_layer(elmo, tokenizer, "he sat by the river bank", "he paid money into the bank", "bank")
    assert cosines[0] == pytest.approx(1.0) and cosines[2] < 0.999  # token layer: no context; LSTMs: context


def test_sentence_layers_cut_the_padding_off(elmo, tokenizer):
    from lessons_lib.tasks.representations import sentence_layers

    (short_tokens, short), (long_tokens, long) = sentence_layers(elmo, tokenizer, ["the bank", "he sat by the river bank"])
    assert short_tokens == ["the", "bank"] and short.shape == (3, 2, 32) and long.shape == (3, 6, 32)
    (_, alone), = sentence_layers(elmo, tokenizer, ["the bank"])
    torch.testing.assert_close(short, alone, atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match=r"sentences\[1\] gives no tokens"):
        sentence_layers(elmo, tokenizer, ["the bank", ""])
    with pytest.raises(TypeError, match="model must be an ElmoBiLM"):
        sentence_layers(torch.nn.Linear(2, 2), tokenizer, ["the bank"])


def test_direction_sensitivity_forward_sees_the_past_backward_the_future(elmo):
    from lessons_lib.tasks.representations import direction_sensitivity

    words = ["the", "cat", "sat", "on", "a", "mat"]
    moved = direction_sensitivity(elmo, words, layer=2)
    lower = torch.tril(torch.ones(6, 6, dtype=torch.bool))  # (i, j) with j <= i
    assert torch.equal(moved["forward"], lower) and torch.equal(moved["backward"], lower.T)
    assert moved["both"].all()
    token = direction_sensitivity(elmo, words, layer=0)["both"]  # the token layer: each word alone
    assert torch.equal(token, torch.eye(6, dtype=torch.bool))
    with pytest.raises(ValueError, match="layer"):
        direction_sensitivity(elmo, words, layer=3)
    with pytest.raises(TypeError, match="model must be an ElmoBiLM"):
        direction_sensitivity(torch.nn.Linear(2, 2), words, layer=1)


def test_word_position_names_the_missing_word(tokenizer):
    from lessons_lib.tasks.representations import word_position

    assert word_position(tokenizer, "he sat by the river bank", "bank") == (
        ["he", "sat", "by", "the", "river", "bank"], 5)
    with pytest.raises(ValueError, match="word 'money' does not occur in sentence"):
        word_position(tokenizer, "he sat by the river bank", "money")
    with pytest.raises(TypeError, match="sentence must be a str"):
        word_position(tokenizer, ["he"], "he")
