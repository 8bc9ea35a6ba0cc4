"""The check-yourself exercises of the masked-LM notebook."""

from lessons_lib.exercises import check, solution


def test_expected_split_of_selected_tokens():
    assert solution("mlm-expected-split", n_tokens=1000) == (120, 15, 15)
    assert solution("mlm-expected-split", n_tokens=2000, mask_prob=0.5, mask_frac=1.0, random_frac=0.0) == (1000, 0, 0)
    assert check("mlm-expected-split", (120, 15, 15), n_tokens=1000)
    assert not check("mlm-expected-split", (150, 0, 0), n_tokens=1000)


def test_loss_positions_per_batch():
    assert solution("loss-positions", batch_size=32, window=32) == (992, 154)
    assert not check("loss-positions", (1024, 154), batch_size=32, window=32)
    assert not check("loss-positions", None, batch_size=32, window=32)  # unanswered: a hint, not a failure
