"""The small training runs behind stored results: notebook 02 (masking mixes; MLM against left-to-right) and
notebook 05 (GPT fine-tuning with and without the auxiliary LM loss)."""

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

__all__ = ["NEXT_SENTENCE", "SOURCE", "TASKS", "RunResult", "RunSettings", "TaskData", "TaskSettings",
           "fine_tune_run", "first_step_below", "heldout_loss", "make_model", "mean_and_spread",
           "probe_scores", "record_run", "record_runs", "rule_name", "settings_dict", "task_data", "train_run"]
