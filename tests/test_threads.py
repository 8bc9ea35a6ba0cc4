"""lessons_lib.threads: the OpenMP wait policy set before torch loads, and the thread count chosen."""

import json
import os
import subprocess
import sys

import pytest

from lessons_lib import threads
from lessons_lib.threads import use_threads

REPORT = ("import json, os, torch; from lessons_lib.threads import threads_wait_passively, use_threads; "
          "n = use_threads({count}); print(json.dumps([os.environ.get('OMP_WAIT_POLICY'), "
          "threads_wait_passively(), n, torch.get_num_threads()]))")


def _in_fresh_python(first: str, count: str = "None", **env: str) -> list:
    """[policy in the environment, passive?, use_threads' answer, torch's count] in a new interpreter."""
    environ = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")}
    code = f"{first}\n{REPORT.format(count=count)}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**environ, **env})
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_lessons_lib_first_makes_the_threads_sleep_while_they_wait():
    policy, passive, count, torch_count = _in_fresh_python("import lessons_lib")
    assert (policy, passive) == ("PASSIVE", True)
    assert count == torch_count == min(2, threads.usable_cpus())


def test_torch_imported_first_without_the_policy_gets_one_thread():
    # libgomp read no policy when torch loaded: its threads spin, so a second one would stall.
    policy, passive, count, torch_count = _in_fresh_python("import torch", count="2")
    assert policy is None  # not set after the fact: the environment says what libgomp read
    assert (passive, count, torch_count) == (False, 1, 1)


def test_a_policy_set_before_torch_counts_and_a_chosen_one_is_kept():
    assert _in_fresh_python("import torch", OMP_WAIT_POLICY="passive")[1:3] == [True, min(2, threads.usable_cpus())]
    assert _in_fresh_python("import lessons_lib", count="2", OMP_WAIT_POLICY="ACTIVE")[:3] == ["ACTIVE", False, 1]


def test_omp_num_threads_sets_the_default(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert threads.default_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "64")
    assert threads.default_threads() == threads.usable_cpus()  # never more than the CPUs
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    assert threads.default_threads() == min(2, threads.usable_cpus())


def test_a_container_quota_limits_the_cpus(tmp_path):
    (tmp_path / "cpu.max").write_text("150000 100000\n")  # cgroup v2: 1.5 CPUs
    assert threads._cgroup_cpu_quota(tmp_path) == 1.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert threads._cgroup_cpu_quota(tmp_path) is None
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("100000\n")  # cgroup v1: one CPU
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert threads._cgroup_cpu_quota(tmp_path) == 1.0
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert threads._cgroup_cpu_quota(tmp_path) is None


def test_use_threads_refuses_a_bad_count():
    with pytest.raises(ValueError, match="count"):
        use_threads(0)
    with pytest.raises(TypeError, match="count"):
        use_threads("2")
