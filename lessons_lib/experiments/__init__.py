"""The small training runs behind notebook 02's stored results (masking mixes; MLM against left-to-right)."""

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

__all__ = ["RunResult", "RunSettings", "first_step_below", "heldout_loss", "make_model", "mean_and_spread",
           "probe_scores", "record_run", "rule_name", "settings_dict", "train_run"]
