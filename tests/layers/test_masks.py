"""lessons_lib.layers.masks: padding and look-ahead masks (True = may attend), combining and checking them."""

import pytest
import torch

from lessons_lib.layers.masks import check_mask, combine_masks, look_ahead_mask, padding_mask


def test_padding_mask_shape_and_values():
    mask = padding_mask(torch.tensor([[1, 1, 0], [1, 1, 1]]))
    assert mask.shape == (2, 1, 1, 3) and mask.dtype == torch.bool
    assert mask[0, 0, 0].tolist() == [True, True, False]
    assert mask[1, 0, 0].tolist() == [True, True, True]
    assert torch.equal(padding_mask(torch.tensor([[True, False]])), torch.tensor([[[[True, False]]]]))


def test_look_ahead_mask_is_lower_triangular():
    mask = look_ahead_mask(4)
    assert mask.dtype == torch.bool
    assert mask.tolist() == [[j <= i for j in range(4)] for i in range(4)]


def test_look_ahead_mask_after_cached_positions_sees_them_all():
    mask = look_ahead_mask(2, past=3)  # two new positions after three cached ones
    assert mask.tolist() == [[True, True, True, True, False], [True, True, True, True, True]]
    assert torch.equal(look_ahead_mask(4, past=0), look_ahead_mask(4))
    with pytest.raises(ValueError, match="past must be an int >= 0"):
        look_ahead_mask(2, past=-1)


@pytest.mark.parametrize(("bad", "error"), [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError)])
def test_look_ahead_mask_rejects_bad_size(bad, error):
    with pytest.raises(error, match="size must be an int >= 1"):
        look_ahead_mask(bad)


def test_padding_mask_rejects_bad_input():
    with pytest.raises(ValueError, match="attention_mask"):
        padding_mask(torch.ones(2, 3, 4))
    with pytest.raises(ValueError, match="attention_mask"):
        padding_mask(torch.tensor([[1, 2]]))
    with pytest.raises(TypeError, match="attention_mask"):
        padding_mask([[1, 0]])


def test_combine_masks_is_a_logical_and_that_skips_none():
    padding = padding_mask(torch.tensor([[1, 1, 0]]))  # (1, 1, 1, 3)
    combined = combine_masks(padding, None, look_ahead_mask(3))
    assert combined.shape == (1, 1, 3, 3)
    assert combined[0, 0].tolist() == [[True, False, False], [True, True, False], [True, True, False]]
    assert combine_masks(None, look_ahead_mask(2)) is not None and torch.equal(
        combine_masks(None, look_ahead_mask(2)), look_ahead_mask(2))


def test_combine_masks_rejects_non_boolean():
    with pytest.raises(TypeError, match="boolean"):
        combine_masks(torch.ones(2, 2))
    assert combine_masks(None, None) is None


def test_check_mask_accepts_broadcastable_boolean_masks_only():
    check_mask(torch.ones(1, 1, 1, 5, dtype=torch.bool), torch.Size((2, 3, 4, 5)))
    check_mask(torch.ones(4, 5, dtype=torch.bool), torch.Size((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"mask of shape \(3, 5\) does not broadcast"):
        check_mask(torch.ones(3, 5, dtype=torch.bool), torch.Size((2, 3, 4, 5)))
    with pytest.raises(TypeError, match="mask must be a boolean tensor"):
        check_mask(torch.ones(4, 5), torch.Size((2, 3, 4, 5)))
