"""lessons_lib.models.tiny_lm: the tiny masked or left-to-right Transformer LM of notebook 02."""

import pytest
import torch

from lessons_lib.layers.transformer import BlockConfig
from lessons_lib.models.tiny_lm import TinyLM, TinyLMConfig

VOCAB = 16


def _model(causal=False, seed=0):
    torch.manual_seed(seed)
    return TinyLM(TinyLMConfig(VOCAB, hidden_size=16, num_layers=1, num_heads=2, max_len=8, causal=causal)).eval()


def test_config_defaults_and_block_config():
    config = TinyLMConfig(100)
    assert (config.hidden_size, config.num_layers, config.num_heads, config.max_len, config.causal) == (64, 2, 2, 32,
                                                                                                         False)
    assert config.block_config() == BlockConfig(64, 2, 256, dropout=0.0, attention_dropout=0.0)


def test_causal_model_cannot_see_the_right_context():
    ids = torch.tensor([[5, 6, 7, 8]])
    changed = torch.tensor([[5, 6, 7, 9]])  # only the last token differs
    for causal in (True, False):
        model = _model(causal)
        with torch.no_grad():
            same = torch.allclose(model(ids)[0, :3], model(changed)[0, :3])
        assert same == causal


def test_scores_cover_the_vocabulary_and_positions_select_rows():
    model = _model()
    ids = torch.randint(0, VOCAB, (3, 8), generator=torch.Generator().manual_seed(1))
    positions = torch.zeros_like(ids, dtype=torch.bool)
    positions[0, 2], positions[2, 7] = True, True
    with torch.no_grad():
        scores = model(ids)
        chosen = model(ids, positions=positions)
    assert scores.shape == (3, 8, VOCAB) and chosen.shape == (2, VOCAB)
    torch.testing.assert_close(chosen, scores[positions])


def test_output_layer_is_tied_to_the_token_embeddings():
    model = _model()
    ids = torch.tensor([[1, 2, 3]])
    with torch.no_grad():
        before = model(ids)
        model.token.weight[9] += torch.linspace(-1, 1, 16)  # token 9 is not in the input: only its score moves
        after = model(ids)
    changed = (after - before).abs().amax(dim=(0, 1)) > 1e-6
    assert changed.tolist() == [i == 9 for i in range(VOCAB)]


def test_bad_input_and_config():
    model = _model()
    with pytest.raises(ValueError, match="ids must be a"):
        model(torch.zeros(1, 9, dtype=torch.long))  # longer than max_len
    with pytest.raises(ValueError, match=r"ids must have shape \(batch, seq\)"):
        model(torch.zeros(8, dtype=torch.long))
    with pytest.raises(TypeError, match="config must be a TinyLMConfig"):
        TinyLM({"vocab_size": 10})
    with pytest.raises(ValueError, match="vocab_size must be an int >= 2"):
        TinyLMConfig(1)
    with pytest.raises(ValueError, match="multiple of num_heads"):
        TinyLMConfig(10, hidden_size=10, num_heads=3)
    with pytest.raises(TypeError, match="causal must be True or False"):
        TinyLMConfig(10, causal=1)
    with pytest.raises(ValueError, match="max_len"):
        TinyLMConfig(10, max_len=0)


def test_encode_is_what_forward_scores_and_pre_ln_adds_a_final_norm():
    model = _model()
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        hidden = model.encode(ids)  # (1, 4, 16)
        expected = model.transform(hidden) @ model.token.weight.T + model.bias
        torch.testing.assert_close(model(ids), expected)
    assert hidden.shape == (1, 4, 16) and isinstance(model.final_norm, torch.nn.Identity)
    torch.manual_seed(0)
    pre = TinyLM(TinyLMConfig(VOCAB, hidden_size=16, num_layers=1, num_heads=2, max_len=8, norm_first=True,
                              init_std=0.1))
    assert pre.config.block_config().norm_first and isinstance(pre.final_norm, torch.nn.LayerNorm)
    assert 0.07 < float(pre.token.weight.detach().std()) < 0.13  # init_std sets the spread of the weights
    with pytest.raises(ValueError, match="init_std"):
        TinyLMConfig(VOCAB, init_std=0.0)
    with pytest.raises(TypeError, match="norm_first"):
        TinyLMConfig(VOCAB, norm_first=1)
