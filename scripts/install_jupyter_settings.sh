#!/usr/bin/env bash
# Installs the collection's Jupyter settings into an environment (make: .venv; Binder: its own
# environment), where a Jupyter server started from that environment reads them:
#  - closing a notebook's tab shuts its kernel down (JupyterLab's "Shut down kernel" setting of
#    notebooks, as a default the student can still change in Settings);
#  - the server shuts down a kernel idle for 20 minutes with no tab connected to it, so kernels
#    left behind (a closed browser) do not fill Binder's 2 GB.
# Usage: bash scripts/install_jupyter_settings.sh PREFIX   (PREFIX: the environment's sys.prefix)
set -euo pipefail
prefix="${1:?usage: install_jupyter_settings.sh PREFIX}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$prefix/etc/jupyter/jupyter_server_config.d" "$prefix/share/jupyter/lab/settings/overrides.d"
cp "$repo/etc/jupyter/jupyter_server_config.d/lessons-collection.json" "$prefix/etc/jupyter/jupyter_server_config.d/"
cp "$repo/etc/jupyterlab/overrides.d/lessons-collection.json" "$prefix/share/jupyter/lab/settings/overrides.d/"
