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
from lessons_lib.models.decoder import Decoder, DecoderConfig, DecoderLM, DecoderOutput
from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig, ElmoOutput
from lessons_lib.models.gpt import (
    GPT,
    GPTConfig,
    GPTForClassification,
    GPTForMultipleChoice,
    TaskOutput,
)
from lessons_lib.models.gpt2 import GPT2, GPT2Config
from lessons_lib.models.huggingface import (
    bert_names,
    gpt2_names,
    gpt_names,
    load_mapped,
    loader_for,
    read_huggingface,
)
from lessons_lib.models.tiny_lm import TinyLM, TinyLMConfig

__all__ = ["BertConfig", "BertEmbeddings", "BertForPreTraining", "BertForSequenceClassification", "BertModel",
           "BertOutput", "BertPreTrainingHeads", "Decoder", "DecoderConfig", "DecoderLM", "DecoderOutput", "ElmoBiLM",
           "ElmoConfig", "ElmoOutput", "GPT", "GPT2", "GPT2Config", "GPTConfig", "GPTForClassification",
           "GPTForMultipleChoice", "PreTrainingOutput", "TaskOutput", "TinyLM", "TinyLMConfig", "bert_names",
           "gpt2_names", "gpt_names", "load_mapped", "loader_for", "read_huggingface"]
