"""Check, within a second, that a Python interpreter can build this collection's environment.

`make` runs this with the interpreter it is about to build `.venv` from (`PYTHON=...`), before it
installs anything. On success it prints the interpreter's real path and version (what `.venv` was
made from is recorded, so that a `.venv` made by another interpreter is rebuilt). Otherwise it
says what is wrong and how to fix it, and exits with status 1.

Written so that any Python, old ones included, can run it far enough to explain itself.
"""

import os
import sys

# The Python releases every pinned package supports, oldest first (pyproject.toml's requires-python
# and the Makefile's list of interpreters to look for; a test checks that the three agree): any
# patch release of each, x.y.0 included.
SUPPORTED = ((3, 11), (3, 12), (3, 13))

HOW_TO_GET_IT = """\
Install one of them and point make at it, for example:
  Debian 13:     sudo apt install python3.13 python3.13-venv
  Debian 12:     sudo apt install python3.11 python3.11-venv
  Ubuntu 24.04:  sudo apt install python3.12 python3.12-venv
  Fedora:        sudo dnf install python3.13
  macOS:         brew install python@3.13
  anywhere:      pyenv install 3.13   (or the installer from python.org)
then:            make PYTHON=/path/to/python3.13 lab"""


def _names(versions):
    """'3.11, 3.12 or 3.13'."""
    names = ["{0}.{1}".format(*v) for v in versions]
    return names[0] if len(names) == 1 else "{0} or {1}".format(", ".join(names[:-1]), names[-1])


def fail(problem):
    sys.stderr.write("{0}\n{1}\n".format(problem, HOW_TO_GET_IT))
    sys.exit(1)


def main():
    version = ".".join(str(part) for part in sys.version_info[:3])
    minor = "{0}.{1}".format(*sys.version_info[:2])
    if tuple(sys.version_info[:2]) not in SUPPORTED:
        fail("{0} is Python {1}; the pinned packages need Python {2} (any patch release).".format(
            sys.executable, version, _names(SUPPORTED)))
    try:
        import ensurepip  # noqa: F401  (Debian and Ubuntu ship it apart, in python3.x-venv)
        import venv  # noqa: F401
    except ImportError:
        fail("{0} (Python {1}) cannot create a virtual environment: its venv/ensurepip modules are "
             "missing. On Debian or Ubuntu: sudo apt install python{2}-venv".format(sys.executable, version, minor))
    print("{0} {1}".format(os.path.realpath(sys.executable), version))


if __name__ == "__main__":
    main()
