"""Tasks a pre-trained model is used for: classification, next-sentence scoring, fill-mask, word vectors, senses;
and the measurements that compare ELMo, GPT and BERT."""

from lessons_lib.tasks.classification import (
    accuracy,
    bag_of_words_baseline,
    fine_tune,
    majority_baseline,
    predict,
)
from lessons_lib.tasks.comparison import (
    CHECKPOINTS,
    MODEL_KINDS,
    context_curve,
    continue_greedy,
    load_trio,
    model_kind,
    next_word_logits,
    next_word_scores,
    non_embedding_parameters,
    output_sensitivity,
    reach,
    trio_rows,
    trio_table,
)
from lessons_lib.tasks.feature_classifier import (
    MixClassifier,
    compare_features,
    mix_classifier_accuracy,
    train_mix_classifier,
)
from lessons_lib.tasks.fill_mask import fill_mask
from lessons_lib.tasks.gpt_finetuning import (
    TASK_TOKENS,
    add_task_tokens,
    classification_input,
    collate_task_inputs,
    fine_tune_gpt,
    multiple_choice_inputs,
    next_sentence_choices,
    pair_input,
    similarity_inputs,
    task_batches,
    task_lm_loss,
    task_loss,
    task_predictions,
    task_token_id,
    with_task_tokens,
    word_overlap_choice,
)
from lessons_lib.tasks.nsp_scoring import (
    CANDIDATE_KINDS,
    candidate_next_sentences,
    confusion_matrix,
    fine_tune_nsp,
    is_next_probability,
    nsp_batches,
    nsp_scores,
)
from lessons_lib.tasks.polysemy import (
    ContextBank,
    context_bank,
    nearest_contexts,
    nearest_sense_accuracy,
    sense_bank,
    sense_vectors,
)
from lessons_lib.tasks.readers import bert_encode, reader
from lessons_lib.tasks.representations import (
    cosine_by_layer,
    direction_sensitivity,
    sentence_layers,
    word_position,
    word_vectors_by_layer,
)
from lessons_lib.tasks.understanding import (
    NLU_TASKS,
    NluTask,
    elmo_features,
    elmo_pair_features,
    nlu_accuracies,
    nlu_task,
)
from lessons_lib.tasks.word2vec import (
    train_word2vec,
    word2vec_average,
    word2vec_context_average,
    word2vec_vector,
)

__all__ = ["CANDIDATE_KINDS", "CHECKPOINTS", "MODEL_KINDS", "NLU_TASKS", "TASK_TOKENS", "ContextBank",
           "MixClassifier", "NluTask", "accuracy", "add_task_tokens", "bag_of_words_baseline", "bert_encode",
           "candidate_next_sentences", "classification_input", "collate_task_inputs", "compare_features",
           "confusion_matrix", "context_bank", "context_curve", "continue_greedy", "cosine_by_layer",
           "direction_sensitivity", "elmo_features", "elmo_pair_features", "fill_mask", "fine_tune",
           "fine_tune_gpt", "fine_tune_nsp", "is_next_probability", "load_trio", "majority_baseline",
           "mix_classifier_accuracy", "model_kind", "multiple_choice_inputs", "nearest_contexts",
           "nearest_sense_accuracy", "next_sentence_choices", "next_word_logits", "next_word_scores",
           "nlu_accuracies", "nlu_task", "non_embedding_parameters", "nsp_batches", "nsp_scores",
           "output_sensitivity", "pair_input", "predict", "reach", "reader", "sense_bank", "sense_vectors",
           "sentence_layers", "similarity_inputs", "task_batches", "task_lm_loss", "task_loss",
           "task_predictions", "task_token_id", "train_mix_classifier", "train_word2vec", "trio_rows",
           "trio_table", "with_task_tokens", "word2vec_average", "word2vec_context_average",
           "word2vec_vector", "word_overlap_choice",
           "word_position", "word_vectors_by_layer"]
