"""Check, within a second, that a Python interpreter can build this collection's environment.

`make` runs this with the interpreter it is about to build `.venv` from (`PYTHON=...`), before it
installs anything. On success it prints the interpreter's real path and version (what `.venv` was
made from is recorded, so that a `.venv` made by another interpreter is rebuilt). Otherwise it
says what is wrong and how to fix it, and exits with status 1.

Written so that any Python, old ones included, can run it far enough to explain itself.
"""

import os
import sys

# The Python release every pinned package supports (pyproject.toml's requires-python; a test checks
# that the two agree): any 3.11 patch release, 3.11.0 included.
NEEDED = (3, 11)

HOW_TO_GET_IT = """\
Install Python 3.11 and point make at it, for example:
  Debian 12:     sudo apt install python3.11 python3.11-venv
  Ubuntu 24.04:  sudo add-apt-repository ppa:deadsnakes/ppa && sudo apt install python3.11 python3.11-venv
  macOS:         brew install python@3.11
  anywhere:      pyenv install 3.11   (or the installer from python.org)
then:            make PYTHON=/path/to/python3.11 lab"""


def fail(problem):
    sys.stderr.write("{0}\n{1}\n".format(problem, HOW_TO_GET_IT))
    sys.exit(1)


def main():
    version = ".".join(str(part) for part in sys.version_info[:3])
    if tuple(sys.version_info[:2]) != NEEDED:
        fail("{0} is Python {1}; the pinned packages need Python {2}.{3} (any {2}.{3}.x).".format(
            sys.executable, version, NEEDED[0], NEEDED[1]))
    try:
        import ensurepip  # noqa: F401  (Debian and Ubuntu ship it apart, in python3.11-venv)
        import venv  # noqa: F401
    except ImportError:
        fail("{0} (Python {1}) cannot create a virtual environment: its venv/ensurepip modules are "
             "missing. On Debian or Ubuntu: sudo apt install python3.11-venv".format(sys.executable, version))
    print("{0} {1}".format(os.path.realpath(sys.executable), version))


if __name__ == "__main__":
    main()
