"""The attention-mask widget: a padded batch, its padding, look-ahead and combined masks, and a trained
model's attention weights under the chosen mask: the GPT's under the look-ahead mask (alone or with
padding), a BERT's under the padding mask, which is the only mask BERT has.

Masks follow ``lessons_lib.layers.masks`` (True = may attend). The grids are HTML tables with the
tokens on both axes (rows: the query, the token looking; columns: the key, the token looked at),
so they draw instantly and the same way in JupyterLab, on Binder and in tests.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import torch
from torch import Tensor

from lessons_lib.checks import check_choice, check_int, check_strings, check_type
from lessons_lib.data.encoding import padded_batch
from lessons_lib.layers.masks import combine_masks, look_ahead_mask, padding_mask
from lessons_lib.models.bert import BertModel
from lessons_lib.models.decoder import Decoder
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.viz.html import LEGEND_STYLE, text_box, wired

MASK_KINDS = ("padding", "look-ahead", "both")
MAX_SENTENCE_TOKENS = 16  # each sentence is cut to this many tokens: a grid stays readable
SEPARATOR = "|"
_MASKED_CELL = "background:repeating-linear-gradient(45deg,#fff,#fff 3px,#e6e6e6 3px,#e6e6e6 5px)"
_CELL = "width:18px;height:18px;padding:0;border:1px solid #fff;"
LEGEND_WEIGHTS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0)  # the colour key's swatches


def _shade(weight: float) -> str:
    """A weight's colour: red whose opacity is the square root of the weight, so that weights of a few
    hundredths still show beside a 0.9 (the colour key says so)."""
    return f"background:rgba(192,0,0,{max(weight, 0.0) ** 0.5:.3f})"


def _colour_key() -> str:
    swatches = "".join(f"<span style='display:inline-block;{_CELL}{_shade(w)};vertical-align:middle'></span>"
                       f"<span style='margin:0 8px 0 2px'>{w:g}</span>" for w in LEGEND_WEIGHTS)
    return (f"<div style='{LEGEND_STYLE}'>Red: attention weight, shaded by its square root so that small weights "
            f"show (hover a cell for its value): {swatches}</div>")


def batch_masks(attention_mask: Tensor) -> dict[str, Tensor]:
    """The three (B, T, T) masks of a padded batch: padding, look-ahead, and both (logical AND)."""
    batch, length = attention_mask.shape
    padding = padding_mask(attention_mask)[:, 0].expand(batch, length, length)  # (B, T, T): same row for every query
    ahead = look_ahead_mask(length).expand(batch, length, length)  # (B, T, T): the same triangle for every row
    return {"padding": padding, "look-ahead": ahead, "both": combine_masks(padding, ahead)}


def _grid(cells: list[list[str]], tokens: Sequence[str], title: str, query: int | None = None) -> str:
    head = "".join(f"<th style='writing-mode:vertical-rl;font-weight:normal;font-size:75%'>{html.escape(t)}</th>"
                   for t in tokens)
    body = []
    for i, (token, row) in enumerate(zip(tokens, cells, strict=True)):
        outline = "outline:2px solid #c00;" if i == query else ""
        body.append(f"<tr style='{outline}'><th style='text-align:right;font-weight:normal;font-size:75%'>"
                    f"{html.escape(token)}</th>{''.join(row)}</tr>")
    return (f"<div style='display:inline-block;vertical-align:top;margin:0 14px 8px 0'><b>{html.escape(title)}</b>"
            f"<table style='border-collapse:collapse'><tr><th></th>{head}</tr>{''.join(body)}</table></div>")


def render_mask_grid(mask: Tensor, tokens: Sequence[str], title: str) -> str:
    """A (T, T) boolean mask as a grid: dark = may attend, hatched = masked."""
    cells = [[f"<td style='{_CELL}{'background:#2f5597' if allowed else _MASKED_CELL}'></td>" for allowed in row]
             for row in mask.tolist()]
    return _grid(cells, tokens, title)


def render_attention_grid(weights: Tensor, mask: Tensor, tokens: Sequence[str], query: int, title: str) -> str:
    """(T, T) attention weights as a heat map; masked cells hatched and empty; the query row outlined."""
    cells = []
    for row_w, row_m in zip(weights.tolist(), mask.tolist(), strict=True):
        cells.append([f"<td title='{w:.3f}' style='{_CELL}{_shade(w)}'></td>" if allowed
                      else f"<td title='masked' style='{_CELL}{_MASKED_CELL}'></td>"
                      for w, allowed in zip(row_w, row_m, strict=True)])
    return _grid(cells, tokens, title, query)


def _check_models(model: Decoder, bert: BertModel | None, tokenizer: WordPieceTokenizer) -> None:
    check_type("model", model, Decoder, "a Decoder (e.g. gpt.transformer)")
    check_type("tokenizer", tokenizer, WordPieceTokenizer, "a WordPieceTokenizer")
    if bert is not None:
        check_type("bert", bert, BertModel, "a BertModel (e.g. bert.bert) reading the same vocabulary, or None")
        if bert.config.vocab_size != model.config.vocab_size:
            raise ValueError(f"bert must read the GPT's vocabulary ({model.config.vocab_size} tokens), "
                             f"it has {bert.config.vocab_size}")


def render_attention_masks(model: Decoder, tokenizer: WordPieceTokenizer, sentences: Sequence[str], *,
                           sentence: int = 0, mask: str = "both", layer: int = 0, head: int = 0,
                           query: int = 0, bert: BertModel | None = None) -> str:
    """HTML: the padded batch, the three masks of one sentence, and a model's attention under ``mask``.

    Under "look-ahead" and "both" it is the GPT's attention; under "padding", BERT's mask, it is ``bert``'s
    (a GPT is never run without its look-ahead mask: that would be neither model)."""
    _check_models(model, bert, tokenizer)
    check_choice("mask", mask, MASK_KINDS)
    ids, attention, tokens = padded_batch(tokenizer, sentences, max_tokens=MAX_SENTENCE_TOKENS)
    check_int("sentence", sentence, low=0, high=len(tokens) - 1)
    reader = bert if mask == "padding" else model
    if reader is not None:
        check_int("layer", layer, low=0, high=reader.config.num_layers - 1)
        check_int("head", head, low=0, high=reader.config.num_heads - 1)
    query = check_int("query", query, low=0, high=ids.shape[1] - 1)
    masks = {name: m[sentence] for name, m in batch_masks(attention).items()}  # each (T, T)
    row = tokens[sentence]
    if reader is None:
        heat = (f"<div style='{LEGEND_STYLE};max-width:40em'>The padding mask alone is BERT's: a GPT always reads "
                "with its look-ahead mask. Pass <code>bert=</code> (a BertModel on the same vocabulary) to see a "
                "BERT's attention here.</div>")
        summary = f"<div>query {query} <b>{html.escape(row[query])}</b> may see {int(masks[mask][query].sum())} of {len(row)} positions.</div>"
    else:
        with torch.no_grad():
            if mask == "padding":
                out = bert(ids, None, attention, output_attentions=True)
            else:
                out = model(ids, attention if mask == "both" else None, output_attentions=True)
        weights = out.attentions[layer][sentence, head]  # (T, T)
        top = weights[query].topk(min(3, len(row)))
        strongest = ", ".join(f"{html.escape(row[j])} {w:.2f}" for w, j in
                              zip(top.values.tolist(), top.indices.tolist(), strict=True) if w > 0)
        name = {"padding": "BERT, under its padding mask", "look-ahead": "GPT, under the look-ahead mask only",
                "both": "GPT, under both masks"}[mask]
        heat = render_attention_grid(weights, masks[mask], row, query,
                                     f"attention weights of the trained {name}: layer {layer}, head {head}")
        summary = (f"<div>query {query} <b>{html.escape(row[query])}</b> looks most at: {strongest}; "
                   f"it sees {int(masks[mask][query].sum())} of {len(row)} positions.</div>")
    lengths = attention.sum(1).tolist()
    batch_rows = "".join(
        f"<div style='font-family:monospace;font-size:85%'>{'&#9654; ' if i == sentence else '&nbsp;&nbsp;'}"
        f"{' '.join(html.escape(t) if t != '[PAD]' else '<span style=color:#aaa>[PAD]</span>' for t in toks)}"
        f" <span style='color:#777'>({n} tokens + {len(toks) - n} padding)</span></div>"
        for i, (toks, n) in enumerate(zip(tokens, lengths, strict=True)))
    titles = {"padding": "padding mask (BERT)", "look-ahead": "look-ahead mask", "both": "both (GPT, batched)"}
    grids = "".join(render_mask_grid(masks[name], row, titles[name] + (" (chosen)" if name == mask else ""))
                    for name in MASK_KINDS)
    legend = (f"<div style='{LEGEND_STYLE}'>rows: the token looking (query); columns: the token looked at (key). "
              "Dark blue: may attend; hatched: masked (weight exactly 0). Each row of weights sums to 1; "
              "the outlined row is the chosen query.</div>")
    return f"<div>{batch_rows}</div>{legend}<div>{grids}</div>{_colour_key()}<div>{heat}</div>{summary}"


def attention_mask_widget(model: Decoder, tokenizer: WordPieceTokenizer, sentences: Sequence[str], *,
                          bert: BertModel | None = None) -> widgets.VBox:
    """Type 2-4 sentences (separated by |); pick one (at first the shortest, which has the most padding), the
    mask, the layer, the head and the query position. Under the padding mask the attention shown is
    ``bert``'s (BERT's own mask), under the other two the GPT's."""
    _check_models(model, bert, tokenizer)
    sentences = check_strings("sentences", sentences)
    if not 2 <= len(sentences) <= 4:
        raise ValueError(f"sentences must hold 2 to 4 sentences, got {len(sentences)}")
    box = text_box(f" {SEPARATOR} ".join(sentences), "sentences")
    shortest = min(range(len(sentences)), key=lambda i: len(tokenizer.encode(sentences[i])))
    pick = widgets.Dropdown(options=[(f"sentence {i + 1}", i) for i in range(len(sentences))], value=shortest,
                            description="show")
    kind = widgets.ToggleButtons(options=[("padding (BERT)", "padding"), ("look-ahead", "look-ahead"),
                                          ("both (GPT)", "both")], value="both", description="mask")
    readers = [model] + ([bert] if bert is not None else [])
    layers = min(r.config.num_layers for r in readers)  # a slider both models can follow
    heads = min(r.config.num_heads for r in readers)
    layer = widgets.IntSlider(0, 0, layers - 1, description="layer", continuous_update=False)
    head = widgets.IntSlider(0, 0, heads - 1, description="head", continuous_update=False)
    query = widgets.IntSlider(3, 0, 64, description="query", continuous_update=False)
    output = widgets.HTML()
    controls = {"sentences": box, "sentence": pick, "mask": kind, "layer": layer, "head": head, "query": query}

    def current() -> list[str]:
        return [s.strip() for s in box.value.split(SEPARATOR) if s.strip()][:4] or sentences

    def redraw(_change=None) -> None:
        typed = current()
        if len(pick.options) != len(typed):  # as many choices as sentences typed; the choice kept if it still exists
            keep = pick.value if pick.value is not None and pick.value < len(typed) else 0
            pick.options = [(f"sentence {i + 1}", i) for i in range(len(typed))]
            pick.value = keep
        length = padded_batch(tokenizer, typed, max_tokens=MAX_SENTENCE_TOKENS)[0].shape[1]
        query.max = length - 1  # the slider follows the batch: a query past the end cannot be picked
        output.value = render_attention_masks(model, tokenizer, typed, sentence=pick.value or 0, mask=kind.value,
                                              layer=layer.value, head=head.value, query=min(query.value, length - 1),
                                              bert=bert)

    return wired([box, widgets.HBox([pick, kind]), widgets.HBox([layer, head, query])], controls, output, redraw)
