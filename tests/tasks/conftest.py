"""Shared by the comparison tests: the shipped WordPiece tokenizer, and small random ELMo, GPT and BERT over it."""

import dataclasses

import pytest
import torch

from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig
from lessons_lib.models.gpt import GPT, GPTConfig
from lessons_lib.training.checkpoints import load_pretrained_bert


@pytest.fixture(scope="module")
def wordpiece():
    return load_pretrained_bert()[1]


@pytest.fixture(scope="module")
def tiny_trio(wordpiece):
    """A fresh trio for each test module: 2 layers, 16 to 32 wide, dropout 0, in eval mode."""
    torch.manual_seed(0)
    vocab = wordpiece.vocab_size
    return {"ELMo": ElmoBiLM(dataclasses.replace(ElmoConfig.tiny(vocab), cell_size=32, projection_size=16)).eval(),
            "GPT": GPT(GPTConfig(vocab_size=vocab, max_len=80, hidden_size=32, num_layers=2, num_heads=2,
                                 intermediate_size=64, dropout=0.0, attention_dropout=0.0)).eval(),
            "BERT": BertForPreTraining(BertConfig(vocab_size=vocab, hidden_size=32, num_layers=2, num_heads=2,
                                                  intermediate_size=64, max_position_embeddings=80, dropout=0.0,
                                                  attention_dropout=0.0)).eval()}
