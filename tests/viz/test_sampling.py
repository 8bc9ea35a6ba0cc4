"""lessons_lib.viz.sampling: the sampling widget; its continuation, its first-step distribution, every control."""

import html as html_lib
import re

import pytest
import torch

from lessons_lib.generation import generate
from lessons_lib.models.gpt2 import GPT2, GPT2Config
from lessons_lib.tokenizers.bpe import ByteLevelBPE
from lessons_lib.viz.sampling import (
    SHOWN_TOKENS,
    continue_prompt,
    first_step_distribution,
    render_distribution,
    render_sampling,
    sampling_widget,
)

TEXT = ("The history of the city began with a small port. The port grew into a town, and the town into a city "
        "where ships from every coast came to trade. Café owners sold coffee to the sailors. ") * 3


@pytest.fixture(scope="module")
def tokenizer():
    return ByteLevelBPE.train([TEXT], 300, show_progress=False)


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=tokenizer.vocab_size, max_len=48, hidden_size=32, num_layers=2, num_heads=2,
                        intermediate_size=64, dropout=0.0, attention_dropout=0.0, init_std=0.3)
    return GPT2(config).eval()  # a large init std: a peaked distribution, so the filters cut visibly


def _text(output: str) -> str:
    """The generated-text box of the widget's HTML (prompt and continuation)."""
    return re.search(r"white-space:pre-wrap[^>]*>(.*?)</div>", output).group(1)


def test_every_control_changes_the_output(model, tokenizer):
    widget = sampling_widget(model, tokenizer, prompt="The port", max_new_tokens=10)
    moves = {"prompt": "The city", "strategy": "top-k", "temperature": 0.7, "top_k": 5, "top_p": 0.5, "seed": 4,
             "max_new_tokens": 12, "example": "The Supreme"}
    assert set(moves) == set(widget.controls)
    for name, value in moves.items():
        before = widget.output.value
        widget.controls[name].value = value
        assert widget.output.value != before, name
    # Under greedy the sampling controls are unused, yet each still changes what is shown (marked unused).
    widget.controls["strategy"].value = "greedy"
    for name, value in {"temperature": 1.3, "top_k": 9, "top_p": 0.8, "seed": 7}.items():
        before = widget.output.value
        widget.controls[name].value = value
        assert widget.output.value != before, name
        assert _text(widget.output.value) == _text(before), name  # ... but not the greedy text
    assert "temperature 1.30 (unused)" in widget.output.value and "seed 7 (unused)" in widget.output.value


def test_user_text_is_escaped(model, tokenizer):
    out = render_sampling(model, tokenizer, "<b>bold</b> & <script>x</script>", max_new_tokens=3)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in out
    assert "<script>" not in out and "<b>bold" not in out


def test_top_p_keeps_the_smallest_set_reaching_p(model, tokenizer):
    ids = tokenizer.encode("The port grew")
    for p in (0.1, 0.5, 0.9):
        probs, kept = first_step_distribution(model, ids, strategy="top-p", top_p=p)
        mass = float(probs[kept].sum())
        assert mass >= p - 1e-9
        assert mass - float(probs[kept].min()) < p  # without its least likely token the set falls short of p
        assert f"total probability <b>{mass:.3f}</b>" in render_distribution(tokenizer, probs, kept)
    narrow = first_step_distribution(model, ids, strategy="top-p", top_p=0.5)[1].sum()
    assert 1 <= narrow < tokenizer.vocab_size  # the filter really cuts


def test_each_strategy_keeps_what_it_says(model, tokenizer):
    ids = tokenizer.encode("The port grew")
    probs, kept = first_step_distribution(model, ids, strategy="greedy")
    assert kept.sum() == 1 and kept[probs.argmax()]
    assert first_step_distribution(model, ids, strategy="top-k", top_k=7)[1].sum() == 7
    assert first_step_distribution(model, ids, strategy="temperature")[1].all()
    cold, _ = first_step_distribution(model, ids, strategy="temperature", temperature=0.5)
    assert cold.max() > probs.max()  # a low temperature sharpens the distribution
    out = render_distribution(tokenizer, probs, kept)
    assert out.count("<tr") == SHOWN_TOKENS and out.count("excluded") == SHOWN_TOKENS - 1


def test_greedy_is_deterministic_and_equals_a_plain_argmax_loop(model, tokenizer):
    first = continue_prompt(model, tokenizer, "The town", strategy="greedy", seed=0, max_new_tokens=8)
    again = continue_prompt(model, tokenizer, "The town", strategy="greedy", seed=5, temperature=0.3)
    assert again.new_ids[:8] == first.new_ids
    ids = torch.tensor([first.prompt_ids])
    for _ in range(8):  # without the cache: re-read the whole sequence each step
        ids = torch.cat([ids, model(ids)[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert ids[0, len(first.prompt_ids):].tolist() == first.new_ids


def test_same_seed_same_text_other_seed_other_text(model, tokenizer):
    options = {"strategy": "temperature", "temperature": 1.5, "max_new_tokens": 20}
    one = continue_prompt(model, tokenizer, "The city", seed=1, **options)
    assert continue_prompt(model, tokenizer, "The city", seed=1, **options) == one
    assert continue_prompt(model, tokenizer, "The city", seed=2, **options).new_ids != one.new_ids
    expected = generate(model, torch.tensor([one.prompt_ids]), 20, do_sample=True, temperature=1.5,
                        generator=torch.Generator().manual_seed(1))
    assert expected[0, len(one.prompt_ids):].tolist() == one.new_ids


def test_long_and_empty_prompts_and_errors_are_shown(model, tokenizer):
    long = continue_prompt(model, tokenizer, TEXT, strategy="greedy", max_new_tokens=10)
    assert len(long.prompt_ids) == 48 - 10 and long.prompt_ids == tokenizer.encode(TEXT)[-38:]
    assert "reads only the last 38" in long.notes[0]
    empty = continue_prompt(model, tokenizer, "", max_new_tokens=5)
    assert empty.prompt_ids == [tokenizer.end_of_text_id] and "empty" in empty.notes[0]
    widget = sampling_widget(model, tokenizer, max_new_tokens=5)
    widget.controls["prompt"].value = "bad \ud800 text"  # a lone surrogate: UTF-8 cannot write it
    assert "lone surrogate" in widget.output.value and "color:#a00" in widget.output.value
    widget.controls["prompt"].value = "x" * 50
    assert "reads only the last" in html_lib.unescape(widget.output.value)


def test_bad_arguments_are_named(model, tokenizer):
    with pytest.raises(ValueError, match="strategy must be one of"):
        render_sampling(model, tokenizer, "a", strategy="beam")
    with pytest.raises(ValueError, match="temperature"):
        continue_prompt(model, tokenizer, "a", temperature=0.0)
    with pytest.raises(ValueError, match="max_new_tokens"):
        sampling_widget(model, tokenizer, max_new_tokens=48)
    # Outside a slider's range: refused by name, not moved silently to the slider's end.
    for name, value in [("temperature", 5.0), ("temperature", 0.05), ("top_k", 500), ("top_p", 0.01), ("seed", 100)]:
        with pytest.raises(ValueError, match=f"{name} must be in"):
            sampling_widget(model, tokenizer, **{name: value})
    with pytest.raises(TypeError, match="prompts must be a list of strings"):
        sampling_widget(model, tokenizer, prompts="The city")
    with pytest.raises(ValueError, match="trained_positions"):
        sampling_widget(model, tokenizer, trained_positions=49)
    with pytest.raises(TypeError, match="model must be a GPT2"):
        sampling_widget(None, tokenizer)
    with pytest.raises(TypeError, match="tokenizer must be a ByteLevelBPE"):
        continue_prompt(model, object(), "a")
    with pytest.raises(ValueError, match="prompt_ids must hold at least one"):
        first_step_distribution(model, [])
    with pytest.raises(ValueError, match="strategy must be one of"):
        first_step_distribution(model, [1, 2], strategy="nucleus")


def test_the_first_view_offers_predictable_prompts_and_warns_past_the_training_window(model, tokenizer):
    widget = sampling_widget(model, tokenizer, prompts=["The port", "The city"], max_new_tokens=10, trained_positions=8)
    assert widget.controls["prompt"].value == "The port" and widget.controls["example"].value == "The port"
    assert "warning: prompt and continuation take" in widget.output.value and "windows of 8" in widget.output.value
    widget.controls["example"].value = "The city"
    assert widget.controls["prompt"].value == "The city" and "The city" in _text(widget.output.value)
    quiet = sampling_widget(model, tokenizer, prompts=["The port"], max_new_tokens=3, trained_positions=16)
    assert "warning" not in quiet.output.value


def test_the_default_prompt_of_the_shipped_gpt2_drops_tokens_at_first_sight():
    from lessons_lib.training import load_pretrained_gpt2

    gpt2, bpe, info = load_pretrained_gpt2()
    widget = sampling_widget(gpt2, bpe, trained_positions=info["window"])
    kept = int(re.search(r"kept ([\d,]+) token", widget.output.value).group(1).replace(",", ""))
    excluded = widget.output.value.count(" excluded</td>")
    assert kept <= 5 and excluded >= SHOWN_TOKENS - kept  # most of the bars are grey before any control moves
    assert "warning" not in widget.output.value
