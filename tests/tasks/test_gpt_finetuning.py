"""lessons_lib.tasks.gpt_finetuning: the paper's input transformations, batches, the loss with the auxiliary LM."""

import pytest
import torch

from lessons_lib.models.gpt import GPT, GPTConfig, GPTForClassification, GPTForMultipleChoice
from lessons_lib.tasks.gpt_finetuning import (
    TASK_TOKENS,
    add_task_tokens,
    classification_input,
    collate_task_inputs,
    fine_tune_gpt,
    multiple_choice_inputs,
    next_sentence_choices,
    pair_input,
    similarity_inputs,
    task_batches,
    task_lm_loss,
    task_loss,
    task_predictions,
    task_token_id,
    word_overlap_choice,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "dog", "ran", "a", "mat", "."]


@pytest.fixture()
def model_and_tokenizer():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=len(WORDS), max_len=16, hidden_size=16, num_layers=1, num_heads=2,
                          intermediate_size=32, dropout=0.0, attention_dropout=0.0))
    tokenizer = add_task_tokens(model, WordPieceTokenizer(WORDS), seed=1)
    return model, tokenizer


def test_task_tokens_are_added_to_the_model_and_the_vocabulary(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    assert tokenizer.vocab_size == model.config.vocab_size == len(WORDS) + 3
    ids = [task_token_id(tokenizer, t) for t in TASK_TOKENS]
    assert ids == [13, 14, 15] and tokenizer.convert_ids_to_tokens(ids) == list(TASK_TOKENS)
    assert model.transformer.token.weight[13:].abs().max() > 0  # random, not zero


def test_the_four_input_transformations(model_and_tokenizer):
    _, tok = model_and_tokenizer

    def words(ids):
        return tok.convert_ids_to_tokens(ids)

    assert words(classification_input(tok, "the cat sat")) == ["[start]", "the", "cat", "sat", "[extract]"]
    assert words(pair_input(tok, "the cat", "a dog")) == ["[start]", "the", "cat", "[delim]", "a", "dog", "[extract]"]
    both = similarity_inputs(tok, "the cat", "a dog")
    assert [words(s) for s in both] == [["[start]", "the", "cat", "[delim]", "a", "dog", "[extract]"],
                                        ["[start]", "a", "dog", "[delim]", "the", "cat", "[extract]"]]
    choices = multiple_choice_inputs(tok, "the cat", ["sat", "ran ."])
    assert [words(s) for s in choices] == [["[start]", "the", "cat", "[delim]", "sat", "[extract]"],
                                           ["[start]", "the", "cat", "[delim]", "ran", ".", "[extract]"]]
    # Cut to fit: 3 places for the task tokens, the longer side loses tokens first.
    assert words(pair_input(tok, "the cat sat the cat sat", "a dog", max_len=8)) == [
        "[start]", "the", "cat", "sat", "[delim]", "a", "dog", "[extract]"]
    assert len(classification_input(tok, "the cat " * 20, max_len=10)) == 10


def test_collate_pads_flat_and_nested_inputs():
    flat = collate_task_inputs([[5, 6, 7], [8]], pad_id=0)
    assert flat["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert flat["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    nested = collate_task_inputs([[[1, 2], [3]], [[4], [5, 6, 7]]])
    assert nested["input_ids"].shape == (2, 2, 3) and nested["attention_mask"][1].tolist() == [[1, 0, 0], [1, 1, 1]]


def test_batches_cover_every_example_once_per_epoch():
    inputs = [[i + 1] * (i % 3 + 1) for i in range(10)]
    batches = task_batches(inputs, list(range(10)), batch_size=4, epochs=2, seed=3)
    assert [len(b["labels"]) for b in batches] == [4, 4, 2] * 2
    for epoch in (batches[:3], batches[3:]):
        assert sorted(torch.cat([b["labels"] for b in epoch]).tolist()) == list(range(10))
    in_order = task_batches(inputs, list(range(10)), batch_size=4, seed=None)
    assert torch.cat([b["labels"] for b in in_order]).tolist() == list(range(10))


def test_lm_loss_ignores_padding():
    logits = torch.randn(2, 4, 9)
    ids = torch.tensor([[1, 2, 3, 4], [5, 6, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    by_hand = torch.cat([-logits[0, :3].log_softmax(-1)[torch.arange(3), ids[0, 1:]],
                         -logits[1, :1].log_softmax(-1)[0, 6:7]]).mean()
    torch.testing.assert_close(task_lm_loss(logits, ids, mask), by_hand)


def test_loss_adds_half_the_lm_loss_and_fine_tuning_learns(model_and_tokenizer):
    model, tok = model_and_tokenizer
    classifier = GPTForClassification(model.config, 2, gpt=model)
    texts = ["the cat sat", "the dog ran", "a cat sat .", "a dog ran ."] * 4
    labels = [0, 1, 0, 1] * 4
    batches = task_batches([classification_input(tok, t) for t in texts], labels, batch_size=4, epochs=30, seed=0)
    with_lm, parts = task_loss(classifier, batches[0], 0.5)
    torch.testing.assert_close(with_lm.item(), parts["task_loss"] + 0.5 * parts["lm_loss"], rtol=1e-5, atol=1e-5)
    without, parts0 = task_loss(classifier, batches[0], 0.0)
    assert "lm_loss" not in parts0 and without.item() == pytest.approx(parts["task_loss"], rel=1e-5)
    history = fine_tune_gpt(classifier, batches, lr=1e-2, show_progress=False)
    assert len(history.losses) == len(batches) and "lm_loss" in history.metrics
    test = task_batches([classification_input(tok, t) for t in texts[:4]], labels[:4], batch_size=4, seed=None)
    assert task_predictions(classifier, test).tolist() == labels[:4]  # cat -> 0, dog -> 1


def test_multiple_choice_scores_each_option(model_and_tokenizer):
    model, tok = model_and_tokenizer
    chooser = GPTForMultipleChoice(model.config, gpt=model)
    inputs = [multiple_choice_inputs(tok, "the cat", ["sat", "ran", "a mat"])] * 2
    batch = task_batches(inputs, [0, 2], batch_size=2, seed=None)[0]
    assert batch["input_ids"].shape == (2, 3, 7)
    out = chooser(batch["input_ids"], batch["attention_mask"])
    assert out.logits.shape == (2, 3) and out.lm_logits.shape == (2, 3, 7, tok.vocab_size)


def test_next_sentence_choices_and_the_overlap_baseline():
    documents = [[f"d{d} s{i} topic{d}" for i in range(4)] for d in range(6)]
    choices = next_sentence_choices(documents, n_options=4, count=10, seed=2)
    assert len(choices) == 10
    for context, options, answer in choices:
        d, i = (int(part[1:]) for part in context.split()[:2])
        assert options[answer] == f"d{d} s{i + 1} topic{d}" and len(options) == 4
        assert all(option.split()[0] != f"d{d}" for j, option in enumerate(options) if j != answer)
        assert word_overlap_choice(context, options) == answer  # the shared "topic" word gives it away
    assert {answer for _, _, answer in choices} != {0}  # the true sentence is not always first


BAD = [
    (lambda tok: task_token_id(tok, "[sep]"), ValueError, "token must be one of"),
    (lambda tok: task_token_id(WordPieceTokenizer(WORDS), "[start]"), ValueError, "add_task_tokens"),
    (lambda tok: add_task_tokens(GPT(GPTConfig(vocab_size=5, max_len=4, hidden_size=4, num_layers=1, num_heads=1,
                                               intermediate_size=4)), tok), ValueError, "vocab_size"),
    (lambda tok: multiple_choice_inputs(tok, "the cat", ["sat"]), ValueError, "options"),
    (lambda tok: multiple_choice_inputs(tok, "the cat", "sat"), TypeError, "options"),
    (lambda tok: collate_task_inputs([[[1], [2]], [[3]]]), ValueError, "options"),
    (lambda tok: task_batches([[1]], [0, 1]), ValueError, "labels"),
    (lambda tok: classification_input(tok, 3), TypeError, "text"),
    (lambda tok: fine_tune_gpt(None, [{}], lm_weight=-1.0), ValueError, "lm_weight"),
    (lambda tok: next_sentence_choices([["a", "b"]] * 3, n_options=4), ValueError, "n_options"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), BAD)
def test_bad_input_is_named(model_and_tokenizer, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call(model_and_tokenizer[1])


def test_labels_are_checked_at_entry_and_one_batch_works(model_and_tokenizer):
    model, tok = model_and_tokenizer
    classifier = GPTForClassification(model.config, 2, gpt=model)
    inputs = [classification_input(tok, t) for t in ("the cat sat", "the dog ran")]
    with pytest.raises(TypeError, match=r"labels must be ints >= 0, item 1 is 0.5"):
        task_batches(inputs, [0, 0.5])
    batches = task_batches(inputs, [0, 3], batch_size=2)
    with pytest.raises(ValueError, match=r"batches\[0\]\['labels'\] must be ints in \[0, 2\) \(one per class\)"):
        fine_tune_gpt(classifier, batches, show_progress=False)
    history = fine_tune_gpt(classifier, task_batches(inputs, [0, 1], batch_size=2), show_progress=False)
    assert len(history.losses) == 1
