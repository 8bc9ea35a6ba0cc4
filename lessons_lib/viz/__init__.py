"""Pictures and widgets: loss curves, masks and attention as heat maps, and the interactive widgets.

Importing this package loads matplotlib and ipywidgets; nothing below it in lessons_lib does.
"""

from lessons_lib.viz.attention import (
    MASK_KINDS,
    attention_mask_widget,
    batch_masks,
    render_attention_grid,
    render_attention_masks,
    render_mask_grid,
)
from lessons_lib.viz.bert import (
    plot_attention_heads,
    plot_bert_architecture,
    plot_embedding_parts,
    plot_input_representation,
    plot_masks,
)
from lessons_lib.viz.comparison import plot_three_readers
from lessons_lib.viz.elmo import (
    plot_direction_sensitivity,
    plot_elmo_architecture,
    plot_layer_shares,
    plot_sense_projection,
)
from lessons_lib.viz.figures import figure_png, show_figure
from lessons_lib.viz.gpt2 import plot_block_orders, plot_cache_speed
from lessons_lib.viz.html import chip, clip_text, probability_bar, run_strip, text_box, wired
from lessons_lib.viz.masking import masking_widget, render_masking
from lessons_lib.viz.nsp import nsp_widget, render_nsp_candidates
from lessons_lib.viz.plots import (
    plot_attention,
    plot_corpus_statistics,
    plot_loss_curves,
    plot_losses,
    plot_mask,
    plot_scores,
    token_grids,
)
from lessons_lib.viz.polysemy import polysemy_widget, render_word_in_contexts
from lessons_lib.viz.sampling import (
    STRATEGIES,
    Continuation,
    continue_prompt,
    first_step_distribution,
    render_distribution,
    render_sampling,
    sampling_widget,
)
from lessons_lib.viz.tokens import render_tokens, tokenizer_widget
from lessons_lib.viz.truncation import render_truncation, truncation_widget

__all__ = ["plot_three_readers", "MASK_KINDS", "attention_mask_widget", "batch_masks", "chip", "clip_text", "masking_widget",
           "nsp_widget", "plot_attention", "plot_attention_heads", "plot_block_orders", "plot_cache_speed", "plot_bert_architecture", "plot_corpus_statistics",
           "plot_direction_sensitivity", "plot_elmo_architecture", "plot_embedding_parts", "plot_input_representation",
           "plot_layer_shares", "plot_losses",
           "plot_mask", "plot_masks", "plot_scores", "token_grids", "plot_sense_projection", "polysemy_widget", "probability_bar",
           "render_attention_grid", "render_attention_masks", "render_mask_grid", "render_masking",
           "render_nsp_candidates", "render_tokens", "render_truncation", "render_word_in_contexts",
           "run_strip", "show_figure", "figure_png", "text_box", "tokenizer_widget", "truncation_widget", "wired",
           "STRATEGIES", "Continuation", "continue_prompt", "first_step_distribution", "plot_loss_curves", "render_distribution",
           "render_sampling", "sampling_widget"]
