"""lessons_lib: the small library the notebooks build BERT, ELMo and GPT on."""
