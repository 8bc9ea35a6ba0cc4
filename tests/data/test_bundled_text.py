"""lessons_lib.data.bundled_text: gensim's bundled files read into documents, in a child process."""

import json
import subprocess
import sys

from lessons_lib.data import bundled_text


def test_loading_the_corpus_keeps_gensim_out_of_the_caller():
    # gensim with SciPy is about 70 MB; the documents are read in a child process instead.
    code = ("import sys; from lessons_lib.data import load_corpus; import lessons_lib.tasks; "
            "corpus = load_corpus(); assert len(corpus.train) > 300; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('gensim', 'scipy')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_bundled_text_script_names_a_bad_source(capsys):
    assert bundled_text._main(["poems"]) == 2
    assert "sources must be among ['news', 'wiki'], got ['poems']" in capsys.readouterr().err
    assert bundled_text._main([]) == 2
    assert bundled_text._main(["news"]) == 0
    documents = json.loads(capsys.readouterr().out)
    assert documents[0][0] == "news" and all(len(sentences) >= 2 for _, _, sentences in documents)
