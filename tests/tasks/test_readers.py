"""lessons_lib.tasks.readers: one reader per model, the same methods, each answer checked against the model itself."""

import pytest
import torch

from lessons_lib.tasks.readers import bert_encode, reader
from lessons_lib.tokenizers.elmo_chars import vocabulary_char_ids


@pytest.fixture(scope="module")
def trio(tiny_trio):
    return tiny_trio


def test_one_reader_per_model_with_the_same_methods(trio, wordpiece):
    readers = {name: reader(model, wordpiece) for name, model in trio.items()}
    assert [r.name for r in readers.values()] == ["ELMo", "GPT", "BERT"]
    for asked in readers.values():
        for method in ("next_scores", "token_vectors", "moved", "context_parameters", "context_columns"):
            assert callable(getattr(asked, method)), method
    with pytest.raises(TypeError, match="model must be an ElmoBiLM, a GPT or a BertForPreTraining"):
        reader(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="tokenizer"):
        reader(trio["GPT"], "tokenizer")


def test_next_scores_are_each_models_own_left_to_right_scores(trio, wordpiece):
    contexts = torch.randint(5, wordpiece.vocab_size, (2, 6), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        gpt = reader(trio["GPT"], wordpiece).next_scores(contexts, 3)
        elmo = reader(trio["ELMo"], wordpiece).next_scores(contexts, 3)
        bert = reader(trio["BERT"], wordpiece).next_scores(contexts, 3, batch_size=3)  # 8 queries: 3, 3, 2
        expected_gpt = trio["GPT"](contexts)[:, 2:]
        expected_elmo = trio["ELMo"](vocabulary_char_ids(wordpiece)[contexts]).forward_logits[:, 2:]
        # BERT's score after position 3 of row 1: [CLS] w0..w3 [MASK] [SEP], the [MASK] at index 5
        query = torch.tensor([[wordpiece.cls_id, *contexts[1, :4].tolist(), wordpiece.mask_id, wordpiece.sep_id]])
        expected_bert = trio["BERT"](query).mlm_logits[0, 5]
    assert gpt.shape == elmo.shape == bert.shape == (2, 4, wordpiece.vocab_size)
    torch.testing.assert_close(gpt, expected_gpt, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(elmo, expected_elmo, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(bert[1, 1], expected_bert, atol=1e-4, rtol=1e-4)


def test_token_vectors_are_the_input_tables_and_columns_skip_cls(trio, wordpiece):
    assert reader(trio["GPT"], wordpiece).token_vectors() is trio["GPT"].transformer.token
    assert reader(trio["BERT"], wordpiece).token_vectors() is trio["BERT"].bert.embeddings.token
    assert reader(trio["ELMo"], wordpiece).token_vectors() is trio["ELMo"].token_layer
    assert reader(trio["BERT"], wordpiece).context_columns(4) == slice(1, 5)
    assert reader(trio["GPT"], wordpiece).context_columns(4) == slice(0, 4)


def test_bert_encode_marks_the_segments(wordpiece):
    one = bert_encode(wordpiece, [7, 8])
    assert one.input_ids == [wordpiece.cls_id, 7, 8, wordpiece.sep_id] and one.token_type_ids == [0, 0, 0, 0]
    two = bert_encode(wordpiece, [7], [9, 10])
    assert two.input_ids == [wordpiece.cls_id, 7, wordpiece.sep_id, 9, 10, wordpiece.sep_id]
    assert two.token_type_ids == [0, 0, 0, 1, 1, 1]
    with pytest.raises(TypeError, match="first"):
        bert_encode(wordpiece, "7 8")
