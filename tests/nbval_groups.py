"""A pytest plugin for one xdist session of unit tests and notebooks (`make test`, `make test-pythons`).

With ``-p tests.nbval_groups -n 2``, each notebook's cells are one unit of work: they run in order, in
one kernel, on one worker, while every unit test is a unit of its own. The notebooks, the largest
units, are handed out first, and the unit tests fill in around them, so neither worker waits at the
end. (nbval alone needs ``--dist loadfile``; xdist's ``xdist_group`` marker would say the same, but
it does not group anything under pytest 9.)
"""

from xdist.scheduler import LoadScopeScheduling


class NotebooksTogether(LoadScopeScheduling):
    """xdist's scheduler by scope, where a notebook's cells share a scope and a test has its own."""

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return path if path.endswith(".ipynb") else nodeid


def pytest_xdist_make_scheduler(config, log):
    return NotebooksTogether(config, log)
