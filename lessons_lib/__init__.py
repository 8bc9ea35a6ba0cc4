"""lessons_lib: the small library the notebooks build BERT, ELMo and GPT on.

The package is arranged by concept; each subpackage re-exports its public names:

* ``lessons_lib.data``: the corpus, labelled sets, encoding and padding, truncation;
* ``lessons_lib.tokenizers``: WordPiece;
* ``lessons_lib.layers``: masks, attention, the Transformer block;
* ``lessons_lib.models``: one file per model (``bert``, ``gpt``, and the tiny LM of notebook 02);
* ``lessons_lib.objectives``: masked-LM corruption, next-sentence pairs, next-token targets;
* ``lessons_lib.training``: the loop, checkpoints, BERT's pre-training stream and loss;
* ``lessons_lib.tasks``: classification, next-sentence scoring, fill-mask, word vectors;
* ``lessons_lib.experiments``: the runs behind stored results;
* ``lessons_lib.viz``: plots and widgets (the only part that loads matplotlib and ipywidgets);
* ``lessons_lib.exercises``: checkers for the "check yourself" exercises;
* ``python -m lessons_lib.pretrain``: the pre-training command line.

The package itself re-exports only the headline names: configs, models, tokenizers, and the
loaders of the shipped checkpoints (``from lessons_lib import BertModel, load_pretrained_bert``).
"""

from lessons_lib.models import (
    GPT,
    BertConfig,
    BertForPreTraining,
    BertForSequenceClassification,
    BertModel,
    ElmoBiLM,
    ElmoConfig,
    GPTConfig,
    GPTForClassification,
    GPTForMultipleChoice,
    TinyLM,
    TinyLMConfig,
)
from lessons_lib.tokenizers import WordPieceTokenizer
from lessons_lib.training.checkpoints import (
    SHIPPED_BERT,
    SHIPPED_ELMO,
    SHIPPED_GPT,
    load_pretrained_bert,
    load_pretrained_elmo,
    load_pretrained_gpt,
)

__all__ = ["GPT", "SHIPPED_BERT", "SHIPPED_ELMO", "SHIPPED_GPT", "BertConfig", "BertForPreTraining",
           "BertForSequenceClassification", "BertModel", "ElmoBiLM", "ElmoConfig", "GPTConfig", "GPTForClassification", "GPTForMultipleChoice", "TinyLM", "TinyLMConfig",
           "WordPieceTokenizer", "load_pretrained_bert", "load_pretrained_elmo", "load_pretrained_gpt"]
