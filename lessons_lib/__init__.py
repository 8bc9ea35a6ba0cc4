"""lessons_lib: the small library the notebooks build BERT, ELMo and GPT on.

The package is arranged by concept; each subpackage re-exports its public names:

* ``lessons_lib.data``: the corpus, labelled sets, encoding and padding, truncation;
* ``lessons_lib.tokenizers``: WordPiece, byte-level BPE (GPT-2's), ELMo's character ids;
* ``lessons_lib.layers``: masks, attention and its key-value cache, the Transformer block;
* ``lessons_lib.models``: one file per model (``bert``, ``elmo``, ``gpt``, ``gpt2``, and the tiny LM of notebook 02);
* ``lessons_lib.generation``: greedy, temperature, top-k and top-p decoding, with or without a KV cache;
* ``lessons_lib.objectives``: masked-LM corruption, next-sentence pairs, next-token targets;
* ``lessons_lib.training``: the loop, checkpoints, BERT's pre-training stream and loss;
* ``lessons_lib.tasks``: classification, next-sentence scoring, fill-mask, word vectors;
* ``lessons_lib.experiments``: the runs behind stored results;
* ``lessons_lib.viz``: plots and widgets (the only part that loads matplotlib and ipywidgets);
* ``lessons_lib.exercises``: checkers for the "check yourself" exercises;
* ``lessons_lib.threads``: how many CPU threads torch uses, and how they wait for one another;
* ``python -m lessons_lib.pretrain``: the pre-training command line.

The package itself re-exports only the headline names: configs, models, tokenizers, and the
loaders of the shipped checkpoints (``from lessons_lib import BertModel, load_pretrained_bert``).

The package is imported before torch wherever it can be: importing it first lets torch's threads
sleep, not spin, while they wait (see ``lessons_lib.threads``).
"""

# First, before anything here imports torch: libgomp reads its wait policy when torch loads.
from lessons_lib.threads import use_threads

# isort: split
from lessons_lib.models import (
    GPT,
    GPT2,
    BertConfig,
    BertForPreTraining,
    BertForSequenceClassification,
    BertModel,
    ElmoBiLM,
    ElmoConfig,
    GPT2Config,
    GPTConfig,
    GPTForClassification,
    GPTForMultipleChoice,
    TinyLM,
    TinyLMConfig,
)
from lessons_lib.tokenizers import ByteLevelBPE, WordPieceTokenizer, load_gpt2_tokenizer
from lessons_lib.training.checkpoints import (
    SHIPPED_BERT,
    SHIPPED_ELMO,
    SHIPPED_GPT,
    SHIPPED_GPT2,
    load_pretrained_bert,
    load_pretrained_elmo,
    load_pretrained_gpt,
    load_pretrained_gpt2,
)

__all__ = ["GPT", "GPT2", "GPT2Config", "SHIPPED_BERT", "SHIPPED_ELMO", "SHIPPED_GPT", "SHIPPED_GPT2", "BertConfig", "BertForPreTraining",
           "BertForSequenceClassification", "BertModel", "ElmoBiLM", "ElmoConfig", "GPTConfig", "GPTForClassification", "GPTForMultipleChoice", "TinyLM", "TinyLMConfig",
           "ByteLevelBPE", "WordPieceTokenizer", "load_gpt2_tokenizer", "load_pretrained_bert", "load_pretrained_elmo",
           "load_pretrained_gpt", "load_pretrained_gpt2"]
