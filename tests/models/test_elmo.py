"""lessons_lib.models.elmo: sizes against the published architecture, one-way halves, padding, bad input."""

import dataclasses

import pytest
import torch

from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig
from lessons_lib.tokenizers.elmo_chars import batch_char_ids
from lessons_lib.training.memory import count_parameters

SENTENCE = "the cat sat on the mat today".split()


def _without_softmax(model: ElmoBiLM) -> int:
    return count_parameters(model) - count_parameters(model.softmax)


def test_reference_test_configuration_has_the_hand_counted_parameters():
    # The reference implementation's test options: character dim 4, filters [[1,4],[2,8],[3,16],[4,32],[5,64]],
    # 2 highway layers, LSTM memory 64 projected to 16, 2 layers per direction.
    char_embedding = 262 * 4
    convolutions = sum(width * 4 * count + count for width, count in [(1, 4), (2, 8), (3, 16), (4, 32), (5, 64)])
    filters = 4 + 8 + 16 + 32 + 64  # 124
    highway = 2 * (filters * 2 * filters + 2 * filters)  # each layer: transform and gate, with biases
    projection = filters * 16 + 16
    # Per layer and direction: W (input -> 4 x 64, no bias), U (16 -> 4 x 64, with bias), projection 64 -> 16.
    lstm = 2 * 2 * (16 * 256 + (16 * 256 + 256) + 64 * 16)
    assert (char_embedding, convolutions, highway, projection, lstm) == (1048, 2188, 62000, 2000, 37888)
    model = ElmoBiLM(ElmoConfig.reference_test(vocab_size=50))
    assert _without_softmax(model) == 105124 == char_embedding + convolutions + highway + projection + lstm
    assert count_parameters(model.softmax) == 50 * 16 + 50  # one softmax for both directions


def test_original_configuration_is_the_published_93_6_million():
    with torch.device("meta"):  # sizes only, no memory
        model = ElmoBiLM(ElmoConfig.original(vocab_size=2))
    assert _without_softmax(model) == 93_600_864


def _model(seed=0):
    torch.manual_seed(seed)
    return ElmoBiLM(ElmoConfig.reference_test(vocab_size=30)).eval()


def test_outputs_are_named_and_shaped():
    model = _model()
    out = model(batch_char_ids([SENTENCE, SENTENCE[:3]]))
    assert len(out.representations) == 3  # token layer + 2 LSTM levels
    assert all(r.shape == (2, 7, 32) for r in out.representations)  # [forward 16; backward 16]
    assert out.forward_logits.shape == out.backward_logits.shape == (2, 7, 30)
    token = out.representations[0]
    torch.testing.assert_close(token[..., :16], token[..., 16:])  # the token layer, duplicated
    assert model(batch_char_ids([SENTENCE]), logits=False).forward_logits is None


def test_each_half_sees_one_side_only():
    model = _model()
    changed = list(SENTENCE)
    changed[4] = "dog"  # position 4
    before = model(batch_char_ids([SENTENCE]))
    after = model(batch_char_ids([changed]))
    # "Unchanged" allows float rounding: the character CNN runs once per distinct word, and a batch
    # of another size may be summed in another order (about 1e-7 here); a real dependence is far larger.
    for k in (1, 2):
        b, a = before.representations[k][0], after.representations[k][0]
        # Forward half: positions before 4 have not read it yet; from 4 on they have.
        torch.testing.assert_close(a[:4, :16], b[:4, :16], rtol=0, atol=1e-5)
        assert (a[4:, :16] - b[4:, :16]).abs().amax(dim=-1).gt(1e-3).all()
        # Backward half: the mirror image.
        torch.testing.assert_close(a[5:, 16:], b[5:, 16:], rtol=0, atol=1e-5)
        assert (a[:5, 16:] - b[:5, 16:]).abs().amax(dim=-1).gt(1e-3).all()
    # The forward LM's score for position 3 (predicting word 4) never saw word 4.
    torch.testing.assert_close(after.forward_logits[0, :4], before.forward_logits[0, :4], rtol=0, atol=1e-5)
    torch.testing.assert_close(after.backward_logits[0, 5:], before.backward_logits[0, 5:], rtol=0, atol=1e-5)


def test_padding_changes_nothing_for_the_real_words():
    model = _model()
    alone = model(batch_char_ids([SENTENCE[:4]]))
    padded = model(batch_char_ids([SENTENCE[:4], SENTENCE]))
    for a, p in zip(alone.representations, padded.representations, strict=True):
        torch.testing.assert_close(p[0, :4], a[0], atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(padded.backward_logits[0, :4], alone.backward_logits[0], atol=1e-6, rtol=1e-5)


def test_config_survives_a_json_round_trip_and_the_presets_build():
    config = ElmoConfig.tiny(6000)
    as_json = {k: [list(f) for f in v] if k == "filters" else v for k, v in dataclasses.asdict(config).items()}
    assert ElmoConfig(**as_json) == config
    assert config.lstm_config().cell_size == 256 and config.char_cnn_config().output_size == 64


@pytest.mark.parametrize(("kwargs", "error", "pattern"), [
    (dict(vocab_size=1), ValueError, "vocab_size"),
    (dict(vocab_size=10, cell_size=0), ValueError, "cell_size"),
    (dict(vocab_size=10, projection_size=-4), ValueError, "projection_size"),
    (dict(vocab_size=10, cell_clip=0.0), ValueError, "cell_clip"),
    (dict(vocab_size=10, filters=((60, 4),)), ValueError, "filters width"),
    (dict(vocab_size=10, num_layers="2"), TypeError, "num_layers"),
    (dict(vocab_size=10, char_dim=None), TypeError, "char_dim"),
])
def test_bad_config_is_named(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        ElmoConfig(**kwargs)


def test_bad_input_is_named():
    model = _model()
    with pytest.raises(ValueError, match="char_ids must be a"):
        model(torch.zeros(2, 5, dtype=torch.long))
    with pytest.raises(ValueError, match="char_ids"):
        model([[1, 2]])
    with pytest.raises(TypeError, match="config must be an ElmoConfig"):
        ElmoBiLM(dataclasses.asdict(ElmoConfig.tiny(10)))
