"""The small training runs behind stored results: notebook 02 (masking mixes; MLM against left-to-right),
notebook 05 (GPT fine-tuning with and without the auxiliary LM loss) and notebook 06 (pre-LN against post-LN)."""

from lessons_lib.experiments.gpt_auxiliary_loss import (
    NEXT_SENTENCE,
    SOURCE,
    TASKS,
    TaskData,
    TaskSettings,
    fine_tune_run,
    record_runs,
    task_data,
)
from lessons_lib.experiments.masking_mixes import (
    RunResult,
    RunSettings,
    TaggedSentence,
    capital_word_task,
    feature_probe_accuracy,
    first_step_below,
    heldout_loss,
    make_model,
    mean_and_spread,
    probe_scores,
    record_run,
    rule_name,
    settings_dict,
    train_run,
)
from lessons_lib.experiments.pre_ln import (
    LN_VARIANTS,
    LayerNormSettings,
    build_variant,
    compare_layer_norms,
    summarise_variants,
    train_variant,
)
from lessons_lib.experiments.trio_budgets import budget_changes, measure_budget, trained_tokens

__all__ = ["NEXT_SENTENCE", "SOURCE", "TASKS", "RunResult", "RunSettings", "TaggedSentence", "TaskData",
           "TaskSettings", "capital_word_task", "feature_probe_accuracy", "fine_tune_run", "first_step_below", "heldout_loss", "make_model", "mean_and_spread",
           "probe_scores", "record_run", "record_runs", "rule_name", "settings_dict", "task_data", "train_run",
           "LN_VARIANTS", "LayerNormSettings", "build_variant", "compare_layer_norms",
           "budget_changes", "measure_budget", "trained_tokens",
           "summarise_variants", "train_variant"]
