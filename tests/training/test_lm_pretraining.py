"""lessons_lib.training.lm_pretraining: the stream of windows, resumable at any step."""


import pytest
import torch

from lessons_lib.training.lm_pretraining import WindowStream


def test_stream_visits_every_window_once_per_epoch_and_resumes_anywhere():
    windows = torch.arange(40).view(10, 4)  # 10 windows, each identified by its first token
    stream = WindowStream(windows, batch_size=3, seed=5)
    assert stream.steps_per_epoch == 3
    epoch0 = torch.cat([stream.batch(s) for s in range(3)])[:, 0].tolist()
    assert len(set(epoch0)) == 9 and set(epoch0) <= set(range(0, 40, 4))  # no window twice in an epoch
    epoch1 = torch.cat([stream.batch(s) for s in range(3, 6)])[:, 0].tolist()
    assert epoch1 != epoch0  # a new order each epoch
    resumed = stream.batches(4)
    assert torch.equal(next(resumed), stream.batch(4)) and torch.equal(next(resumed), stream.batch(5))
    assert not torch.equal(WindowStream(windows, batch_size=3, seed=6).batch(0), stream.batch(0))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="batch_size"):
        WindowStream(torch.zeros(4, 3, dtype=torch.long), batch_size=5)
    with pytest.raises(TypeError, match="windows"):
        WindowStream([[1, 2]], batch_size=1)
