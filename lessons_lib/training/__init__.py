"""Training: the loop, checkpoints, memory and cost, BERT's pre-training stream and loss, the LMs' windows and ELMo's two losses."""

from lessons_lib.training.bert_pretraining import (
    PairExample,
    PretrainingStream,
    bert_training_tokens,
    encode_documents,
    evaluate_pretraining,
    make_batch,
    pretraining_loss,
    pretraining_metrics,
)
from lessons_lib.training.checkpoints import (
    SHIPPED_BERT,
    SHIPPED_ELMO,
    SHIPPED_GPT,
    SHIPPED_GPT2,
    load_checkpoint,
    load_pretrained_bert,
    load_pretrained_elmo,
    load_pretrained_gpt,
    load_pretrained_gpt2,
    save_checkpoint,
    sha256,
)
from lessons_lib.training.cost import count_flops, graph_depth
from lessons_lib.training.elmo_pretraining import bilm_loss, bilm_perplexities, direction_losses
from lessons_lib.training.lm_pretraining import WindowStream
from lessons_lib.training.loop import (
    TrainHistory,
    evaluate,
    fit_full_batch,
    masked_accuracy,
    reload_advice,
    seed_everything,
    train_loop,
    warmup_linear_schedule,
)
from lessons_lib.training.memory import (
    count_parameters,
    mkl_buffers_mb,
    release_memory,
    release_notebook_memory,
    resident_memory_mb,
)
from lessons_lib.training.resumable import (
    RunFolder,
    check_run_folder,
    discard_unstarted_run,
    interrupted_advice,
    load_snapshot,
    run_folder,
    save_snapshot,
    train_resumable,
    vocabulary_entries,
)

__all__ = ["SHIPPED_BERT", "SHIPPED_ELMO", "SHIPPED_GPT", "SHIPPED_GPT2", "PairExample", "PretrainingStream", "TrainHistory",
           "WindowStream", "bert_training_tokens", "bilm_loss", "bilm_perplexities", "count_flops", "count_parameters", "direction_losses",
           "encode_documents", "evaluate", "evaluate_pretraining", "fit_full_batch", "graph_depth", "load_checkpoint",
           "load_pretrained_bert", "load_pretrained_elmo", "load_pretrained_gpt", "load_pretrained_gpt2", "make_batch",
           "masked_accuracy", "mkl_buffers_mb", "pretraining_loss", "pretraining_metrics", "release_memory",
           "release_notebook_memory",
           "resident_memory_mb", "run_folder", "save_checkpoint", "save_snapshot", "seed_everything",
           "sha256", "train_loop", "train_resumable", "vocabulary_entries",
           "warmup_linear_schedule", "RunFolder", "check_run_folder", "discard_unstarted_run",
           "interrupted_advice", "load_snapshot", "reload_advice"]
