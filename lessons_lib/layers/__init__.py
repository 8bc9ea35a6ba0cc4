"""Layers the models are built from: masks, attention and its key-value cache, the Transformer block and its stack; ELMo's character CNN, LSTM, scalar mix."""

from lessons_lib.layers.attention import (
    KVCache,
    LayerCache,
    MultiHeadAttention,
    scaled_dot_product_attention,
)
from lessons_lib.layers.char_cnn import CharCNN, CharCNNConfig, Highway
from lessons_lib.layers.lstm import LstmConfig, LstmLayer, LstmStack
from lessons_lib.layers.masks import check_mask, combine_masks, look_ahead_mask, padding_mask
from lessons_lib.layers.modes import evaluating
from lessons_lib.layers.scalar_mix import ScalarMix
from lessons_lib.layers.transformer import (
    ACTIVATIONS,
    BlockConfig,
    BlockStack,
    FeedForward,
    TransformerBlock,
    init_normal,
)

__all__ = ["ACTIVATIONS", "BlockConfig", "BlockStack", "CharCNN", "CharCNNConfig", "FeedForward", "Highway", "KVCache",
           "LayerCache", "LstmConfig", "LstmLayer", "LstmStack", "MultiHeadAttention", "ScalarMix",
           "TransformerBlock", "check_mask", "combine_masks", "evaluating", "init_normal", "look_ahead_mask", "padding_mask",
           "scaled_dot_product_attention"]
