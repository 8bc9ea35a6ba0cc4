"""Interactive widgets for the notebooks.

Every builder returns an ``ipywidgets`` container whose controls are wired to an output widget,
and keeps handles to both (``.controls`` and ``.output``) so tests can move a control and read
the result without a browser. Output is written as HTML into an ``HTML`` widget, never printed,
so it shows the same in JupyterLab, on Binder and in nbval runs.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import ipywidgets as widgets

from lessons_lib.tokenizer import WordPieceTokenizer

_CHIP = (
    "display:inline-block;margin:2px;padding:2px 5px;border-radius:4px;"
    "font-family:monospace;background:{bg};color:#111"
)
_LEGEND_STYLE = "font-size:90%;color:#555"


def chip(text: str, background: str, subtitle: str | None = None, title: str | None = None) -> str:
    """One token drawn as a coloured box, with an optional small line under it (an id or a label)."""
    sub = f"<br><span style='font-size:75%;color:#444'>{html.escape(subtitle)}</span>" if subtitle else ""
    tip = f" title='{html.escape(title)}'" if title else ""
    return f"<span style='{_CHIP.format(bg=background)}'{tip}>{html.escape(text)}{sub}</span>"


def _wired(rows: Sequence[widgets.Widget], controls: Mapping[str, widgets.Widget], output: widgets.HTML,
           redraw, *, watch: Sequence[str] | None = None) -> widgets.VBox:
    """Redraw ``output`` whenever a watched control changes (all by default), draw it once, and
    stack ``rows`` above it; the container keeps ``.controls`` and ``.output`` for tests."""
    for name in controls if watch is None else watch:
        controls[name].observe(redraw, names="value")
    redraw()
    container = widgets.VBox([*rows, output])
    container.controls = dict(controls)
    container.output = output
    return container


def _piece_colour(token: str) -> str:
    if token.startswith("[") and token.endswith("]"):
        return "#f4b183" if token == "[UNK]" else "#c9c9c9"
    return "#bdd7ee" if token.startswith("##") else "#c5e0b4"


def render_tokens(tokenizer: WordPieceTokenizer, text: str) -> str:
    """HTML of ``text`` cut into WordPiece tokens, each with its id; continuations and [UNK] coloured."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    tokens = tokenizer.tokenize(text)
    ids = tokenizer.convert_tokens_to_ids(tokens)
    chips = "".join(chip(t, _piece_colour(t), str(i)) for t, i in zip(tokens, ids, strict=True))
    n_unk = tokens.count("[UNK]")
    summary = (
        f"<div style='{_LEGEND_STYLE}'>{len(text.split())} words &rarr; {len(tokens)} tokens"
        f" ({sum(t.startswith('##') for t in tokens)} continuation pieces, {n_unk} [UNK])."
        " Green: word start, blue: ##continuation, orange: [UNK].</div>"
    )
    return summary + (chips or "<i>(no tokens)</i>")


def tokenizer_widget(
    tokenizers: Mapping[str, WordPieceTokenizer],
    examples: Sequence[str],
    text: str | None = None,
) -> widgets.VBox:
    """Type a sentence (or pick an example) and see its WordPiece tokens and ids for each vocabulary."""
    if not tokenizers or not all(isinstance(t, WordPieceTokenizer) for t in tokenizers.values()):
        raise TypeError("tokenizers must be a non-empty dict of name -> WordPieceTokenizer")
    if not examples or not all(isinstance(e, str) and e for e in examples):
        raise ValueError("examples must be a non-empty list of non-empty strings")
    picker = widgets.Dropdown(options=list(examples), description="example", layout={"width": "95%"})
    box = widgets.Textarea(
        value=text if text is not None else examples[0], description="text",
        layout={"width": "95%", "height": "60px"}, continuous_update=True,
    )
    output = widgets.HTML()

    def redraw(_change=None) -> None:
        parts = [
            f"<h4 style='margin:6px 0 2px'>{html.escape(name)} (vocabulary of {tok.vocab_size:,})</h4>"
            + render_tokens(tok, box.value)
            for name, tok in tokenizers.items()
        ]
        output.value = "".join(parts)

    def use_example(change) -> None:
        box.value = change["new"]  # triggers redraw through the text box's observer

    picker.observe(use_example, names="value")
    return _wired([picker, box], {"example": picker, "text": box}, output, redraw, watch=["text"])


def _strip(keep: list[bool], width: int = 600) -> str:
    """A bar with one slice per run of kept (green) or dropped (grey) tokens."""
    runs, start = [], 0
    for i in range(1, len(keep) + 1):
        if i == len(keep) or keep[i] != keep[start]:
            runs.append((keep[start], i - start))
            start = i
    total = max(len(keep), 1)
    cells = "".join(
        f"<div title='{n} tokens {'kept' if kept else 'dropped'}' style='display:inline-block;height:18px;"
        f"width:{max(1, round(width * n / total))}px;background:{'#70ad47' if kept else '#d9d9d9'}'></div>"
        for kept, n in runs
    )
    return f"<div style='white-space:nowrap;line-height:0;margin:4px 0'>{cells}</div>"


def render_truncation(tokens: Sequence[str], strategy: str, max_tokens: int = 510, show: int = 12) -> str:
    """HTML: which tokens ``strategy`` keeps, a bar of kept and dropped runs, and the [CLS] ... [SEP] input."""
    from lessons_lib.truncation import kept_mask

    keep = kept_mask(len(tokens), strategy, max_tokens)
    kept = [t for t, k in zip(tokens, keep, strict=True) if k]
    n_head = next((i for i, k in enumerate(keep) if not k), len(keep))
    dropped = len(tokens) - len(kept)
    summary = (f"<b>{len(tokens)}</b> tokens &rarr; keep <b>{len(kept)}</b>, drop <b>{dropped}</b>"
               + (f" (head {n_head} + tail {len(kept) - n_head})" if dropped and strategy != "tail" else ""))
    if len(kept) <= 2 * show:
        shown = " ".join(kept)
    else:
        gap = "<span style='color:#c00'> &hellip;[" + str(dropped) + " dropped]&hellip; </span>" if (
            strategy == "head+tail" and dropped) else " &hellip; "
        shown = html.escape(" ".join(kept[:show])) + gap + html.escape(" ".join(kept[-show:]))
    return (
        f"<div>{summary}</div>{_strip(keep)}"
        f"<div style='{_LEGEND_STYLE}'>green: kept, grey: dropped</div>"
        f"<div style='font-family:monospace;margin-top:6px'>[CLS] {shown} [SEP] &nbsp;"
        f"<span style='{_LEGEND_STYLE}'>({len(kept) + 2} positions of 512)</span></div>"
    )


def truncation_widget(tokens: Sequence[str], max_tokens: int = 510) -> widgets.VBox:
    """Slide how long the text is and pick a strategy; see which tokens BERT would keep."""
    if len(tokens) < 2:
        raise ValueError("tokens must hold at least 2 tokens")
    length = widgets.IntSlider(value=min(len(tokens), 1000), min=1, max=len(tokens), step=1,
                               description="text length", continuous_update=False, layout={"width": "95%"})
    strategy = widgets.ToggleButtons(options=["head", "tail", "head+tail"], value="head+tail", description="keep")
    output = widgets.HTML()

    def redraw(_change=None) -> None:
        output.value = render_truncation(list(tokens[: length.value]), strategy.value, max_tokens)

    return _wired([length, strategy], {"length": length, "strategy": strategy}, output, redraw)


_KIND_COLOURS = {"true next": "#c5e0b4", "same document": "#ffe699", "other document": "#d9e1f2"}


def _probability_bar(p: float, width: int = 160) -> str:
    """A horizontal bar filled to ``p`` (green when the model calls IsNext, grey otherwise)."""
    fill = "#70ad47" if p >= 0.5 else "#a6a6a6"
    return (f"<div style='display:inline-block;width:{width}px;height:12px;background:#eee;"
            f"vertical-align:middle'><div style='width:{round(width * p)}px;height:12px;"
            f"background:{fill}'></div></div>")


def render_nsp_candidates(sentence_a: str, candidates: Sequence[tuple[str, str, float]]) -> str:
    """HTML: sentence A, then each candidate B with its kind and a bar of the model's P(IsNext)."""
    if not isinstance(sentence_a, str):
        raise TypeError(f"sentence_a must be a str, got {type(sentence_a).__name__}")
    if not candidates:
        raise ValueError("candidates must be a non-empty list of (kind, sentence, probability)")
    best = max(range(len(candidates)), key=lambda n: candidates[n][2])
    rows = []
    for n, (kind, sentence, p) in enumerate(candidates):
        # The call is right when a true next sentence gets P >= 0.5 and any other gets P < 0.5.
        right = (p >= 0.5) == (kind == "true next")
        verdict = "<span style='color:#2e7d32'>&#10003;</span>" if right else "<span style='color:#c00'>&#10007;</span>"
        pick = " <b>&larr; model's pick</b>" if n == best else ""
        rows.append(
            f"<tr><td>{chip(kind, _KIND_COLOURS.get(kind, '#eee'))}</td>"
            f"<td style='white-space:nowrap'>{_probability_bar(p)} {p:.0%} {verdict}{pick}</td>"
            f"<td style='text-align:left'>{html.escape(sentence)}</td></tr>"
        )
    return (
        f"<div style='margin:4px 0'><b>A:</b> {html.escape(sentence_a)}</div>"
        "<table><tr><th>B is</th><th>P(IsNext)</th><th style='text-align:left'>sentence B</th></tr>"
        + "".join(rows) + "</table>"
        f"<div style='{_LEGEND_STYLE}'>Bar: the model's probability that B follows A (green: it says "
        "IsNext). &#10003;/&#10007;: whether that call is right.</div>"
    )


def nsp_widget(model, tokenizer: WordPieceTokenizer, documents: Sequence[Sequence[str]], *,
               n_other: int = 4, max_len: int = 64, seed: int = 0) -> widgets.VBox:
    """Pick a sentence A; see its true next sentence and random candidates, each with P(IsNext).

    ``model`` is a `BertForPreTraining`; its NSP head scores every (A, candidate) pair.
    """
    from lessons_lib.nsp_eval import candidate_next_sentences, is_next_probability

    if not isinstance(documents, Sequence) or len(documents) < 2:
        raise ValueError("documents must be a list of at least two documents (lists of sentences)")
    anchors = [(d, i) for d, doc in enumerate(documents) for i in range(len(doc) - 1)]
    if not anchors:
        raise ValueError("documents must hold at least one document of two or more sentences")
    sentence = widgets.IntSlider(value=0, min=0, max=len(anchors) - 1, description="sentence A",
                                 continuous_update=False, layout={"width": "95%"})
    draw = widgets.IntSlider(value=0, min=0, max=9, description="random draw", continuous_update=False)
    output = widgets.HTML()

    def redraw(_change=None) -> None:
        d, i = anchors[sentence.value]
        candidates = candidate_next_sentences(documents, d, i, n_other=n_other, seed=seed * 10 + draw.value)
        a = documents[d][i]
        p = is_next_probability(model, tokenizer, [(a, b) for _, b in candidates], max_len=max_len)
        header = (f"<div style='{_LEGEND_STYLE}'>document {d}, sentence {i + 1} of "
                  f"{len(documents[d])}</div>")
        output.value = header + render_nsp_candidates(
            a, [(kind, b, float(q)) for (kind, b), q in zip(candidates, p, strict=True)])

    return _wired([sentence, draw], {"sentence": sentence, "draw": draw}, output, redraw)


# --- masked-LM corruption -------------------------------------------------------------------------

_OUTCOME_COLOURS = {1: "#f4b183", 2: "#ff8f8f", 3: "#ffe699", 0: "#e2efda"}  # [MASK], random, unchanged, not selected
_SPECIAL_COLOUR = "#c9c9c9"


def render_masking(tokenizer: WordPieceTokenizer, text: str, *, mask_prob: float = 0.15, mask_frac: float = 0.8,
                   random_frac: float = 0.1, seed: int = 0) -> str:
    """HTML of ``[CLS] text [SEP]`` after masking: what the model sees, each box's label under it, and counts."""
    import torch

    from lessons_lib.masking import (
        MASKED,
        NOT_SELECTED,
        OUTCOME_NAMES,
        RANDOM,
        UNCHANGED,
        mask_tokens,
    )

    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if mask_frac + random_frac > 1.0 + 1e-9:
        return (f"<div style='color:#c00'>mask_frac + random_frac = {mask_frac + random_frac:.2f} is more than 1: "
                "lower one of them (the rest, 1 - mask_frac - random_frac, stays unchanged).</div>")
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
    return (summary + f"<div style='{_LEGEND_STYLE}'>box: what the model sees; under it: the label "
            f"(original token and id to predict, or -100 = no loss). {legend}</div>" + "".join(boxes))


def masking_widget(tokenizer: WordPieceTokenizer, examples: Sequence[str], text: str | None = None) -> widgets.VBox:
    """Pick or type a sentence, move the masking rates and the seed; see which tokens are hidden and how."""
    if not isinstance(tokenizer, WordPieceTokenizer):
        raise TypeError(f"tokenizer must be a WordPieceTokenizer, got {type(tokenizer).__name__}")
    if not examples or not all(isinstance(e, str) and e for e in examples):
        raise ValueError("examples must be a non-empty list of non-empty strings")
    picker = widgets.Dropdown(options=list(examples), description="example", layout={"width": "95%"})
    box = widgets.Textarea(value=text if text is not None else examples[0], description="text",
                           layout={"width": "95%", "height": "60px"})

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
    return _wired([picker, box, sliders], controls, output, redraw,
                  watch=["text", "mask_prob", "mask_frac", "random_frac", "seed"])
