"""The masking widget: move BERT's masking rates and the seed, see which tokens are hidden and how."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import torch

from lessons_lib.checks import check_strings
from lessons_lib.objectives.masking import (
    MASKED,
    NOT_SELECTED,
    OUTCOME_NAMES,
    RANDOM,
    UNCHANGED,
    mask_tokens,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.viz.html import LEGEND_STYLE, chip, clip_text, text_box, wired

_OUTCOME_COLOURS = {1: "#f4b183", 2: "#ff8f8f", 3: "#ffe699", 0: "#e2efda"}  # [MASK], random, unchanged, not selected
_SPECIAL_COLOUR = "#c9c9c9"


def render_masking(tokenizer: WordPieceTokenizer, text: str, *, mask_prob: float = 0.15, mask_frac: float = 0.8,
                   random_frac: float = 0.1, seed: int = 0) -> str:
    """HTML of ``[CLS] text [SEP]`` after masking: what the model sees, each box's label under it, and counts."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if mask_frac + random_frac > 1.0 + 1e-9:
        return (f"<div style='color:#c00'>mask_frac + random_frac = {mask_frac + random_frac:.2f} is more than 1: "
                "lower one of them (the rest, 1 - mask_frac - random_frac, stays unchanged).</div>")
    text, note = clip_text(text)
    ids = torch.tensor([[tokenizer.cls_id, *tokenizer.encode(text), tokenizer.sep_id]])  # (1, T)
    inputs, labels, outcomes = mask_tokens(
        ids, vocab_size=tokenizer.vocab_size, mask_id=tokenizer.mask_id, special_ids=tokenizer.special_ids,
        mask_prob=mask_prob, mask_frac=mask_frac, random_frac=random_frac,
        generator=torch.Generator().manual_seed(seed), return_outcomes=True)
    seen = tokenizer.convert_ids_to_tokens(inputs[0].tolist())
    originals = tokenizer.convert_ids_to_tokens(ids[0].tolist())
    boxes = []
    for token, original, label, outcome, raw in zip(seen, originals, labels[0].tolist(), outcomes[0].tolist(),
                                                    ids[0].tolist(), strict=True):
        special = raw in tokenizer.special_ids
        colour = _SPECIAL_COLOUR if special else _OUTCOME_COLOURS[outcome]
        subtitle = "-100" if outcome == NOT_SELECTED else f"{original} ({label})"
        tip = "special token: never selected" if special else OUTCOME_NAMES[outcome]
        boxes.append(chip(token, colour, subtitle, title=tip))
    counts = {code: int((outcomes == code).sum()) for code in (MASKED, RANDOM, UNCHANGED)}
    n_selected, n_ordinary = sum(counts.values()), len(originals) - sum(i in tokenizer.special_ids for i in ids[0].tolist())
    summary = (f"<div><b>{n_selected}</b> of {n_ordinary} ordinary tokens selected "
               f"({n_selected / max(n_ordinary, 1):.0%}): <b>{counts[MASKED]}</b> [MASK], "
               f"<b>{counts[RANDOM]}</b> random, <b>{counts[UNCHANGED]}</b> unchanged. "
               f"The loss is computed at {n_selected} positions only.</div>")
    legend = "".join(chip(name, _OUTCOME_COLOURS[code]) for code, name in OUTCOME_NAMES.items() if code)
    legend += chip("not selected", _OUTCOME_COLOURS[NOT_SELECTED]) + chip("special", _SPECIAL_COLOUR)
    return (note + summary + f"<div style='{LEGEND_STYLE}'>box: what the model sees; under it: the label "
            f"(original token and id to predict, or -100 = no loss). {legend}</div>" + "".join(boxes))


def masking_widget(tokenizer: WordPieceTokenizer, examples: Sequence[str], text: str | None = None) -> widgets.VBox:
    """Pick or type a sentence, move the masking rates and the seed; see which tokens are hidden and how."""
    if not isinstance(tokenizer, WordPieceTokenizer):
        raise TypeError(f"tokenizer must be a WordPieceTokenizer, got {type(tokenizer).__name__}")
    examples = check_strings("examples", examples)
    if not all(examples):
        raise ValueError("examples must be a non-empty list of non-empty strings")
    picker = widgets.Dropdown(options=list(examples), description="example", layout={"width": "95%"})
    box = text_box(text if text is not None else examples[0])

    def slider(description: str, value: float) -> widgets.FloatSlider:
        return widgets.FloatSlider(value=value, min=0.0, max=1.0, step=0.05, description=description,
                                   readout_format=".2f", continuous_update=False, style={"description_width": "90px"})

    controls = {"example": picker, "text": box, "mask_prob": slider("mask_prob", 0.15),
                "mask_frac": slider("mask_frac", 0.8), "random_frac": slider("random_frac", 0.1),
                "seed": widgets.IntSlider(value=0, min=0, max=99, description="seed", continuous_update=False,
                                          style={"description_width": "90px"})}
    output = widgets.HTML()

    def redraw(_change=None) -> None:
        output.value = render_masking(tokenizer, box.value, mask_prob=controls["mask_prob"].value,
                                      mask_frac=controls["mask_frac"].value,
                                      random_frac=controls["random_frac"].value, seed=controls["seed"].value)

    def use_example(change) -> None:
        box.value = change["new"]  # triggers redraw through the text box's observer

    picker.observe(use_example, names="value")
    sliders = widgets.HBox([widgets.VBox([controls["mask_prob"], controls["seed"]]),
                            widgets.VBox([controls["mask_frac"], controls["random_frac"]])])
    return wired([picker, box, sliders], controls, output, redraw,
                  watch=["text", "mask_prob", "mask_frac", "random_frac", "seed"])
