"""The NSP notebook's check-yourself exercises: each checker's answer, worked out independently."""

from lessons_lib.exercises import check, solution

DOCUMENTS = [["a1", "a2", "a3"], ["b1", "b2"], ["c1", "c2", "c3", "c4", "c5"]]


def test_pair_counts():
    # 2 + 1 + 4 sentences have a next sentence; 7 // 2 = 3 of the pairs get a random B.
    assert solution("nsp-pair-counts", documents=DOCUMENTS) == (7, 3)


def test_segment_ids():
    # [CLS] a a a [SEP] | b b [SEP]
    assert solution("nsp-segment-ids", n_a=3, n_b=2) == [0, 0, 0, 0, 0, 1, 1, 1]


def test_truncated_lengths():
    # 32 - 3 = 29 places: A loses tokens until it is no longer the longer side.
    assert solution("nsp-truncated-lengths", n_a=40, n_b=12, max_len=32) == (17, 12)
    assert solution("nsp-truncated-lengths", n_a=20, n_b=20, max_len=33) == (15, 15)
    assert solution("nsp-truncated-lengths", n_a=5, n_b=6, max_len=64) == (5, 6)


def test_topic_only_accuracy(capsys):
    # With seed 3 the hard pairs are (a1, a3, NotNext), (a2, a3, IsNext), (b1, a1, NotNext: b is
    # too short, so B comes from another document), (c1, c4, NotNext) and three IsNext pairs in c.
    # A judge of topic alone calls (a1, a3) and (c1, c4) IsNext, wrongly, and the other 5 right.
    assert solution("topic-only-accuracy", documents=DOCUMENTS, seed=3) == round(5 / 7, 2)
    assert check("topic-only-accuracy", 0.71, documents=DOCUMENTS, seed=3) is True
    assert check("nsp-segment-ids", [0, 1], n_a=1, n_b=1) is False
    assert "not quite" in capsys.readouterr().out
