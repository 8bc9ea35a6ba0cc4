"""lessons_lib.tasks.comparison: ELMo, GPT and BERT asked the same questions, each the way it is built to answer."""

import dataclasses
import math

import pytest
import torch
import torch.nn.functional as F

from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig
from lessons_lib.models.gpt import GPT, GPTConfig
from lessons_lib.tasks.comparison import (
    context_curve,
    continue_greedy,
    model_kind,
    next_word_logits,
    next_word_scores,
    non_embedding_parameters,
    output_sensitivity,
    reach,
)
from lessons_lib.tokenizers.elmo_chars import vocabulary_char_ids

WORDS = ["the", "king", "sent", "his", "army", "to", "the", "city"]


@pytest.fixture(scope="module")
def tokenizer(wordpiece):
    return wordpiece


def _spread(model):
    """Weights larger than the initial std 0.02, so that every dependence shows clearly above 1e-4."""
    with torch.no_grad():
        for weight in model.parameters():
            if weight.dim() == 2:
                weight.normal_(std=0.3)
    return model.eval()


@pytest.fixture(scope="module")
def models(tiny_trio):
    return {name: _spread(model) for name, model in tiny_trio.items()}


@pytest.fixture(scope="module")
def windows(tokenizer):
    generator = torch.Generator().manual_seed(1)
    return torch.randint(5, tokenizer.vocab_size, (3, 9), generator=generator)


def test_kinds_and_a_clear_error_for_anything_else(models):
    assert [model_kind(m) for m in models.values()] == ["ELMo", "GPT", "BERT"]
    with pytest.raises(TypeError, match="model must be"):
        model_kind(torch.nn.Linear(2, 2))


def test_context_parameters_of_the_tiny_configurations():
    # GPT: 1,577,472 - 6000 x 128 tokens - 128 x 128 positions; BERT: 1,617,522 less its three tables and
    # the output bias (6,000); ELMo: everything but the softmax (64 x 6000 + 6000).
    assert non_embedding_parameters(GPT(GPTConfig.tiny(6000))) == 1_577_472 - 768_000 - 16_384 == 793_088
    bert = BertForPreTraining(BertConfig.tiny(6000))
    assert non_embedding_parameters(bert) == 1_617_522 - 768_000 - 16_384 - 256 - 6_000 == 826_882
    elmo = ElmoBiLM(dataclasses.replace(ElmoConfig.tiny(6000), cell_size=312))
    assert non_embedding_parameters(elmo) == sum(p.numel() for p in elmo.parameters()) - 64 * 6000 - 6000 == 809_376


def test_next_word_logits_read_only_the_context(models, tokenizer, windows):
    context = windows[:, :5]
    with torch.no_grad():
        gpt = models["GPT"](context)[:, -1]
        elmo = models["ELMo"](vocabulary_char_ids(tokenizer)[context]).forward_logits[:, -1]
        bert_input = torch.cat([torch.full((3, 1), tokenizer.cls_id), context, torch.full((3, 1), tokenizer.mask_id),
                                torch.full((3, 1), tokenizer.sep_id)], 1)
        bert = models["BERT"](bert_input).mlm_logits[:, 6]  # the [MASK]
    assert torch.allclose(next_word_logits(models["GPT"], tokenizer, context), gpt, atol=1e-5)
    assert torch.allclose(next_word_logits(models["ELMo"], tokenizer, context), elmo, atol=1e-5)
    assert torch.allclose(next_word_logits(models["BERT"], tokenizer, context), bert, atol=1e-4)


@pytest.mark.parametrize("name", ["ELMo", "GPT", "BERT"])
def test_scores_equal_one_question_per_position(models, tokenizer, windows, name):
    # The one-pass (GPT, ELMo) and batched (BERT) scoring equals asking next_word_logits position by position.
    model = models[name]
    logits = torch.stack([next_word_logits(model, tokenizer, windows[:, : t + 1]) for t in range(1, 8)], 1)
    targets = windows[:, 2:]
    scores = next_word_scores(model, tokenizer, windows, first=2, batch_size=5)
    assert scores["predictions"] == 21
    assert scores["top1"] == pytest.approx(float((logits.argmax(-1) == targets).float().mean()))
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    assert scores["perplexity"] == pytest.approx(math.exp(float(nll)), rel=1e-4)


def test_scores_refuse_bad_windows(models, tokenizer):
    with pytest.raises(ValueError, match="windows"):
        next_word_scores(models["GPT"], tokenizer, torch.tensor([[5]]))
    with pytest.raises(ValueError, match="windows"):
        next_word_scores(models["GPT"], tokenizer, torch.tensor([[5, 6000]]))
    with pytest.raises(ValueError, match="first"):
        next_word_scores(models["GPT"], tokenizer, torch.tensor([[5, 6]]), first=2)


def test_the_maps_show_each_model_s_direction(models, tokenizer):
    maps = {}
    for model in models.values():
        maps.update(output_sensitivity(model, tokenizer, WORDS))
    lower = torch.ones(8, 8, dtype=torch.bool).tril()
    assert torch.equal(maps["GPT"], lower) and torch.equal(maps["ELMo forward"], lower)
    assert torch.equal(maps["ELMo backward"], lower.T)
    assert maps["ELMo both"].all() and maps["BERT"].all()


def test_sensitivity_needs_words_of_the_vocabulary(models, tokenizer):
    with pytest.raises(ValueError, match="words must be tokens of the vocabulary.*zzqx"):
        output_sensitivity(models["GPT"], tokenizer, ["the", "zzqx"])
    with pytest.raises(ValueError, match="replacement"):
        output_sensitivity(models["BERT"], tokenizer, WORDS, replacement="zzqx")


def test_greedy_continuation_is_the_argmax_loop_without_special_tokens(models, tokenizer):
    gpt = models["GPT"]
    ids = tokenizer.encode("the storm")
    banned = {tokenizer.cls_id, tokenizer.sep_id, tokenizer.mask_id, tokenizer.pad_id, tokenizer.unk_id}
    for _ in range(4):
        with torch.no_grad():
            logits = gpt(torch.tensor([ids]))[0, -1]
        logits[list(banned)] = float("-inf")
        ids.append(int(logits.argmax()))
    assert continue_greedy(gpt, tokenizer, "the storm", max_new_tokens=4) == tokenizer.convert_ids_to_tokens(ids[2:])
    for model in models.values():
        new = continue_greedy(model, tokenizer, "the storm", max_new_tokens=3)
        assert len(new) == 3 and not set(tokenizer.convert_tokens_to_ids(new)) & banned
    with pytest.raises(ValueError, match="prompt"):
        continue_greedy(gpt, tokenizer, "   ")


def test_context_curve_at_full_length_is_the_plain_loss(models, tokenizer, windows):
    for model in models.values():
        curve = context_curve(model, tokenizer, windows, [1, 8])
        full = F.cross_entropy(next_word_logits(model, tokenizer, windows[:, :-1]), windows[:, -1])
        short = F.cross_entropy(next_word_logits(model, tokenizer, windows[:, -2:-1]), windows[:, -1])
        assert curve == pytest.approx([float(short), float(full)], rel=1e-5)
    with pytest.raises(ValueError, match="lengths"):
        context_curve(models["GPT"], tokenizer, windows, [9])


def test_reach_is_the_gradient_by_distance(models, tokenizer, windows):
    gpt = models["GPT"]
    context = windows[:, :-1]
    tokens = gpt.transformer.token(context).detach().requires_grad_(True)
    positions = gpt.transformer.position(torch.arange(8))
    # GPT's forward, from the token vectors on (dropout is 0)
    x = tokens + positions
    from lessons_lib.layers.masks import look_ahead_mask
    for layer in gpt.transformer.layers:
        x = layer(x, look_ahead_mask(8))
    gpt.lm_head(x[:, -1]).log_softmax(-1).gather(1, windows[:, -1:]).sum().backward()
    by_hand = tokens.grad.norm(dim=-1).mean(0).flip(0)
    assert torch.allclose(reach(gpt, tokenizer, windows), by_hand, atol=1e-6)
    for model in models.values():
        r = reach(model, tokenizer, windows)
        assert r.shape == (8,) and (r > 0).all()
        assert all(p.grad is None for p in model.parameters())  # nothing left behind


def test_bad_arguments_name_themselves(models, tokenizer):
    with pytest.raises(TypeError, match="tokenizer"):
        continue_greedy(models["GPT"], None, "the storm")
    with pytest.raises(TypeError, match="tokenizer"):
        next_word_logits(models["GPT"], None, torch.tensor([[5]]))
