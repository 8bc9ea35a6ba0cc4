"""The sampling widget: a GPT-2 continues a prompt greedily or by sampling with temperature, top-k or top-p.

It shows the text (the prompt, then the continuation in colour) and, as HTML bars, the
distribution of the first new token after the strategy's filters: the most likely tokens, the ones
the strategy keeps in colour, the ones it excludes in grey, and the total probability of the kept
set. Generation is ``lessons_lib.generation.generate`` with the model's key-value cache. Every
control changes the output: the settings line lists each value, and marks the ones the chosen
strategy does not use (greedy ignores temperature, k, p and the seed; top-k ignores p; top-p ignores k).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import NamedTuple

import ipywidgets as widgets
import torch
from torch import Tensor

from lessons_lib.checks import (
    check_choice,
    check_int,
    check_number,
    check_strings,
    check_token_ids,
    check_type,
)
from lessons_lib.generation import apply_temperature, filter_scores, generate, greedy
from lessons_lib.layers.modes import evaluating
from lessons_lib.models.gpt2 import GPT2
from lessons_lib.tokenizers.bpe import ByteLevelBPE
from lessons_lib.tokenizers.bpe_training import END_OF_TEXT
from lessons_lib.tokenizers.byte_level import unicode_to_bytes
from lessons_lib.viz.html import LEGEND_STYLE, MAX_VIEW_CHARS, text_box, wired

STRATEGIES = ("greedy", "temperature", "top-k", "top-p")
SHOWN_TOKENS = 15  # bars in the chart: the most likely next tokens
# Prompts for the shipped tiny GPT-2: the first three have a predictable next token (top-p 0.9 keeps 2 to
# 26 tokens, so most bars turn grey), the last two an open one (it keeps hundreds).
SUGGESTED_PROMPTS = ("The United", "The President of the United", "The Supreme", "The government said on",
                     "Abraham Lincoln was born in")
# The widget's controls: (low, high) of each slider; a value outside is refused, not moved to the end.
CONTROL_RANGES = {"temperature": (0.1, 2.0), "top_k": (1, 100), "top_p": (0.05, 1.0), "seed": (0, 99)}
_USES = {"greedy": set(), "temperature": {"temperature", "seed"}, "top-k": {"temperature", "k", "seed"},
         "top-p": {"temperature", "p", "seed"}}
_KEPT, _EXCLUDED = "#2f5597", "#d9d9d9"


class Continuation(NamedTuple):
    """A prompt's tokens as read by the model, the new tokens, and notes on how the prompt was read."""

    prompt_ids: list[int]  # what the model read (after any cut)
    new_ids: list[int]  # the generated tokens
    notes: list[str]  # plain-text notes: a cut prompt, an empty one


def _sampling_options(strategy: str, temperature: float, top_k: int, top_p: float) -> dict:
    """The keyword arguments of ``generate`` / ``choose_next`` for one strategy."""
    if strategy == "greedy":
        return {"do_sample": False}
    return {"do_sample": True, "temperature": temperature, "top_k": top_k if strategy == "top-k" else None,
            "top_p": top_p if strategy == "top-p" else None}


def _check(model, tokenizer, strategy, temperature, top_k, top_p, seed, max_new_tokens) -> None:
    check_type("model", model, GPT2, "a GPT2 (e.g. from load_pretrained_gpt2())")
    check_type("tokenizer", tokenizer, ByteLevelBPE, "a ByteLevelBPE (the model's tokenizer)")
    check_choice("strategy", strategy, STRATEGIES)
    check_number("temperature", temperature, low=0.0, low_open=True)
    check_int("top_k", top_k, low=1)
    check_number("top_p", top_p, low=0.0, high=1.0, low_open=True)
    check_int("seed", seed, low=0)
    check_int("max_new_tokens", max_new_tokens, low=1, high=model.config.max_len - 1)


def continue_prompt(model: GPT2, tokenizer: ByteLevelBPE, prompt: str, *, strategy: str = "top-p",
                    temperature: float = 1.0, top_k: int = 40, top_p: float = 0.9, seed: int = 0,
                    max_new_tokens: int = 30) -> Continuation:
    """Continue ``prompt`` by ``max_new_tokens`` tokens with ``strategy``; a prompt too long for the context
    keeps its last tokens, an empty one starts from ``<|endoftext|>`` (as GPT-2 does with no prompt)."""
    _check(model, tokenizer, strategy, temperature, top_k, top_p, seed, max_new_tokens)
    check_type("prompt", prompt, str, "a str")
    notes = []
    if len(prompt) > MAX_VIEW_CHARS:  # only the end can fit the context: no need to tokenize a long paste
        prompt = prompt[-MAX_VIEW_CHARS:]
        notes.append(f"only the last {MAX_VIEW_CHARS:,} characters of the prompt are read")
    ids = tokenizer.encode(prompt)
    if not ids:
        if END_OF_TEXT not in tokenizer.vocab:
            raise ValueError(f"prompt is empty and this tokenizer has no {END_OF_TEXT} to start from: type a prompt")
        ids = [tokenizer.end_of_text_id]
        notes.append("the prompt is empty: the model starts from <|endoftext|>, the token that separates documents")
    room = model.config.max_len - max_new_tokens  # the prompt and the new tokens must fit the context
    if len(ids) > room:
        notes.append(f"the prompt has {len(ids)} tokens; the model's context holds {model.config.max_len}, so with "
                     f"{max_new_tokens} new tokens it reads only the last {room}")
        ids = ids[-room:]
    generator = torch.Generator().manual_seed(seed)
    out = generate(model, torch.tensor([ids]), max_new_tokens, generator=generator,
                   **_sampling_options(strategy, temperature, top_k, top_p))
    return Continuation(ids, out[0, len(ids):].tolist(), notes)


@torch.no_grad()
def first_step_distribution(model: GPT2, prompt_ids: list[int], *, strategy: str = "top-p", temperature: float = 1.0,
                            top_k: int = 40, top_p: float = 0.9) -> tuple[Tensor, Tensor]:
    """The next token's probabilities after the temperature (vocab,), and which tokens the strategy keeps (vocab,).

    Greedy keeps the single most likely token of the untempered scores; sampling keeps the tokens
    its filter leaves (all of them under plain temperature) and draws among them, renormalised.
    """
    check_type("model", model, GPT2, "a GPT2 (e.g. from load_pretrained_gpt2())")
    check_choice("strategy", strategy, STRATEGIES)
    if not check_token_ids("prompt_ids", prompt_ids):
        raise ValueError("prompt_ids must hold at least one token id")
    with evaluating(model):
        logits = model.next_token_scores(torch.tensor([prompt_ids]))[0].double()  # (vocab,) scores of the first new token
    if strategy == "greedy":
        kept = torch.zeros_like(logits, dtype=torch.bool)
        kept[greedy(logits)] = True
        return logits.softmax(-1), kept
    options = _sampling_options(strategy, temperature, top_k, top_p)
    filtered = filter_scores(logits, temperature=temperature, top_k=options["top_k"], top_p=options["top_p"])
    return apply_temperature(logits, temperature).softmax(-1), torch.isfinite(filtered)


def _shown(tokenizer: ByteLevelBPE, token_id: int) -> str:
    """A token as text with its spaces and line breaks made visible; a piece of a character as its bytes."""
    text = tokenizer.decode([token_id])
    if "\ufffd" in text:  # part of a multi-byte character: no text of its own
        to_byte = unicode_to_bytes()
        return " ".join(f"0x{to_byte[c]:02X}" for c in tokenizer.id_to_token(token_id))
    return text.replace(" ", "\u2423").replace("\n", "\u23ce")


def render_distribution(tokenizer: ByteLevelBPE, probs: Tensor, kept: Tensor, *, shown: int = SHOWN_TOKENS) -> str:
    """HTML bars of the ``shown`` most likely tokens: kept in colour, excluded in grey; the kept set's mass."""
    top = probs.topk(min(shown, len(probs)))
    largest = float(top.values[0])
    mass, count = float(probs[kept].sum()), int(kept.sum())
    rows = []
    for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=True):
        keep = bool(kept[i])
        colour, text = (_KEPT, "#111") if keep else (_EXCLUDED, "#999")
        share = f" &rarr; {p / mass:.3f} after renormalising" if keep else " excluded"
        rows.append(f"<tr style='color:{text}'><td style='font-family:monospace;text-align:right;padding-right:6px'>"
                    f"{html.escape(_shown(tokenizer, i))}</td><td><div style='width:{max(1, round(260 * p / largest))}px;"
                    f"height:12px;background:{colour}'></div></td><td style='font-size:85%;padding-left:6px'>"
                    f"{p:.3f}{share}</td></tr>")
    hidden = count - int(kept[top.indices].sum())
    more = f" ({hidden:,} of them below the chart)" if hidden else ""
    return (f"<div><b>First new token</b>: kept {count:,} token{'s' if count != 1 else ''}{more} with total "
            f"probability <b>{mass:.3f}</b>; the draw is made among them.</div>"
            f"<table style='border-collapse:collapse'>{''.join(rows)}</table>")


def render_sampling(model: GPT2, tokenizer: ByteLevelBPE, prompt: str, *, strategy: str = "top-p",
                    temperature: float = 1.0, top_k: int = 40, top_p: float = 0.9, seed: int = 0,
                    max_new_tokens: int = 30, trained_positions: int | None = None) -> str:
    """HTML: the settings, the prompt and its continuation, and the first step's distribution after the filters.

    ``trained_positions``: the window the model was trained on; a text that runs past it gets a warning."""
    settings = {"strategy": strategy, "temperature": temperature, "top_k": top_k, "top_p": top_p, "seed": seed,
                "max_new_tokens": max_new_tokens}
    if trained_positions is not None:
        check_int("trained_positions", trained_positions, low=1, high=model.config.max_len)
    result = continue_prompt(model, tokenizer, prompt, **settings)
    total = len(result.prompt_ids) + len(result.new_ids)
    if trained_positions is not None and total > trained_positions:
        result.notes.append(f"warning: prompt and continuation take {total} positions, but the model was trained on "
                            f"windows of {trained_positions}: past position {trained_positions} it reads positions "
                            "it never learned, so expect the text to fall apart there")
    probs, kept = first_step_distribution(model, result.prompt_ids, strategy=strategy, temperature=temperature,
                                          top_k=top_k, top_p=top_p)
    used = _USES[strategy]
    values = {"temperature": f"temperature {temperature:.2f}", "k": f"k {top_k}", "p": f"p {top_p:.2f}",
              "seed": f"seed {seed}"}
    parts = [f"<b>{html.escape(strategy)}</b>"] + [
        value if name in used else f"<span style='color:#aaa' title='not used by {strategy}'>{value} (unused)</span>"
        for name, value in values.items()] + [f"{max_new_tokens} new tokens"]
    notes = "".join(f"<div style='{LEGEND_STYLE}'>{html.escape(n)}</div>" for n in result.notes)
    text = (f"<div style='font-family:monospace;white-space:pre-wrap;border:1px solid #ddd;padding:6px;margin:4px 0'>"
            f"<span style='color:#555'>{html.escape(tokenizer.decode(result.prompt_ids))}</span>"
            f"<span style='background:#deebf7;color:#08306b'>{html.escape(tokenizer.decode(result.new_ids))}</span>"
            "</div>")
    legend = (f"<div style='{LEGEND_STYLE}'>Grey: the prompt as the model read it; blue: the continuation. Bars: "
              "each token's probability after the temperature (greedy: at temperature 1); dark blue: kept by the "
              "strategy, grey: excluded. ␣ is a space.</div>")
    return (f"<div>{' &middot; '.join(parts)}</div>{notes}{text}"
            f"{render_distribution(tokenizer, probs, kept)}{legend}")


def sampling_widget(model: GPT2, tokenizer: ByteLevelBPE, *, prompt: str | None = None,
                    prompts: Sequence[str] = SUGGESTED_PROMPTS, strategy: str = "top-p", temperature: float = 1.0,
                    top_k: int = 40, top_p: float = 0.9, seed: int = 0, max_new_tokens: int = 30,
                    trained_positions: int | None = None) -> widgets.VBox:
    """Type a prompt or pick one of ``prompts``, pick the strategy, its temperature, k, p and seed, and the
    number of new tokens; a text longer than ``trained_positions`` (the training window) is warned about."""
    _check(model, tokenizer, strategy, temperature, top_k, top_p, seed, max_new_tokens)
    prompts = check_strings("prompts", prompts)
    prompt = prompts[0] if prompt is None else check_type("prompt", prompt, str, "a str")
    ranges = {**CONTROL_RANGES, "max_new_tokens": (1, min(100, model.config.max_len - 1))}
    given = {"temperature": temperature, "top_k": top_k, "top_p": top_p, "seed": seed, "max_new_tokens": max_new_tokens}
    for name, (low, high) in ranges.items():  # a slider would silently move a value outside its range to its end
        if not low <= given[name] <= high:
            raise ValueError(f"{name} must be in [{low}, {high}] (the widget's slider), got {given[name]!r}")
    if trained_positions is not None:
        check_int("trained_positions", trained_positions, low=1, high=model.config.max_len)
    controls = {
        "example": widgets.Dropdown(options=prompts,  # no selection while the text box holds a prompt of your own
                                    value=prompt if prompt in prompts else None, description="try",
                                    layout={"width": "95%"}),
        "prompt": text_box(prompt, "prompt"),
        "strategy": widgets.ToggleButtons(options=list(STRATEGIES), value=strategy, description="strategy"),
        "temperature": widgets.FloatSlider(value=temperature, min=0.1, max=2.0, step=0.05, description="temperature",
                                           continuous_update=False),
        "top_k": widgets.IntSlider(value=top_k, min=1, max=100, description="k", continuous_update=False),
        "top_p": widgets.FloatSlider(value=top_p, min=0.05, max=1.0, step=0.05, description="p",
                                     continuous_update=False),
        "seed": widgets.IntSlider(value=seed, min=0, max=99, description="seed", continuous_update=False),
        "max_new_tokens": widgets.IntSlider(value=max_new_tokens, min=1, max=ranges["max_new_tokens"][1],
                                            description="new tokens", continuous_update=False),
    }
    output = widgets.HTML()

    def redraw(_change=None) -> None:
        values = {name: control.value for name, control in controls.items() if name != "example"}
        try:
            output.value = render_sampling(model, tokenizer, values.pop("prompt"), **values,
                                           trained_positions=trained_positions)
        except (ValueError, TypeError) as err:  # e.g. a prompt UTF-8 cannot write: shown, not raised
            output.value = f"<div style='color:#a00'>{html.escape(str(err))}</div>"

    def use_example(change) -> None:
        if change["new"] is not None:
            controls["prompt"].value = change["new"]  # redraws through the text box's observer

    controls["example"].observe(use_example, names="value")
    c = controls
    rows = [c["example"], c["prompt"], c["strategy"], widgets.HBox([c["temperature"], c["top_k"], c["top_p"]]),
            widgets.HBox([c["seed"], c["max_new_tokens"]])]
    return wired(rows, controls, output, redraw, watch=[n for n in controls if n != "example"])
