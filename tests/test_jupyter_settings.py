"""The Jupyter settings the collection installs: closing a notebook shuts its kernel down, and the
server shuts down kernels idle for 20 minutes with no tab connected. Each is checked against what
the installed JupyterLab and Jupyter server accept, after an installation into a fresh prefix."""

import json
import subprocess
import sys
from pathlib import Path

from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
from jupyterlab_server.settings_utils import _get_overrides
from traitlets.config import Config

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"


def _install(prefix: Path) -> None:
    subprocess.run(["bash", str(REPO / "scripts" / "install_jupyter_settings.sh"), str(prefix)], check=True)


def test_closing_a_notebook_shuts_its_kernel_down(tmp_path):
    _install(tmp_path)
    overrides, error = _get_overrides(str(tmp_path / "share" / "jupyter" / "lab" / "settings"))
    assert error == "" and overrides == {"@jupyterlab/notebook-extension:tracker": {"kernelShutdown": True},
                                     "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Markdown Preview"}}}
    # The installed JupyterLab knows the setting, as a boolean that is off unless we turn it on.
    schema = json.loads((SCHEMAS / "@jupyterlab" / "notebook-extension" / "tracker.json").read_text())
    assert schema["properties"]["kernelShutdown"]["type"] == "boolean"
    assert schema["properties"]["kernelShutdown"]["default"] is False


def test_the_server_culls_kernels_idle_for_20_minutes_with_no_tab(tmp_path):
    _install(tmp_path)
    settings = json.loads((tmp_path / "etc" / "jupyter" / "jupyter_server_config.d" / "lessons-collection.json").read_text())
    manager = MappingKernelManager(config=Config(settings))
    assert set(settings["MappingKernelManager"]) <= set(manager.trait_names())  # no misspelt option
    assert (manager.cull_idle_timeout, manager.cull_interval, manager.cull_connected, manager.cull_busy) == (1200, 60, False, False)


def test_make_and_binder_install_them():
    assert "bash scripts/install_jupyter_settings.sh $(VENV)" in (REPO / "Makefile").read_text()
    assert 'bash scripts/install_jupyter_settings.sh "$prefix"' in (REPO / "binder" / "postBuild").read_text()
    assert "OMP_WAIT_POLICY=PASSIVE" in (REPO / "binder" / "start").read_text()
    assert "export OMP_WAIT_POLICY := PASSIVE" in (REPO / "Makefile").read_text()
