"""The models, one file each: a config dataclass, small modules, a forward that reads top to bottom."""

from lessons_lib.models.bert import (
    BertConfig,
    BertEmbeddings,
    BertForPreTraining,
    BertForSequenceClassification,
    BertModel,
    BertOutput,
    BertPreTrainingHeads,
    PreTrainingOutput,
)
from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig, ElmoOutput
from lessons_lib.models.gpt import (
    GPT,
    DecoderConfig,
    GPTConfig,
    GPTForClassification,
    GPTForMultipleChoice,
    GPTModel,
    GPTOutput,
    TaskOutput,
    check_decoder_config,
)
from lessons_lib.models.gpt2 import GPT2, GPT2Config
from lessons_lib.models.huggingface import (
    bert_names,
    gpt2_names,
    gpt_names,
    init_normal,
    load_mapped,
    loader_for,
    read_huggingface,
)
from lessons_lib.models.tiny_lm import TinyLM, TinyLMConfig

__all__ = ["GPT", "GPT2", "DecoderConfig", "check_decoder_config", "BertConfig", "BertEmbeddings", "BertForPreTraining", "BertForSequenceClassification",
           "BertModel", "BertOutput", "BertPreTrainingHeads", "ElmoBiLM", "ElmoConfig", "ElmoOutput",
           "GPT2Config", "GPTConfig", "GPTForClassification", "GPTForMultipleChoice", "GPTModel", "GPTOutput",
           "PreTrainingOutput", "TaskOutput", "TinyLM", "TinyLMConfig", "bert_names", "gpt2_names", "gpt_names",
           "init_normal", "load_mapped", "loader_for", "read_huggingface"]
