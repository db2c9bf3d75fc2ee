#!/usr/bin/env bash
# Make (once) a PyTorch for the LSTM anchor (bench/anchors/torch_lstm.py) without root and without pip:
# Debian's python3-torch (1.13.1 on bookworm) and every package it needs that the system lacks, fetched
# with `apt-get download` and unpacked with `dpkg -x` into a prefix (default .cache/torch-root, ignored
# by git), plus OpenBLAS: dpkg -x sets up no alternatives, so without it libblas.so.3 would be the
# reference BLAS. Prints the environment a run needs, e.g.:
#   eval "$(bench/anchors/setup_torch.sh)" && /usr/bin/python3 bench/anchors/torch_lstm.py
set -eu
here="$(cd "$(dirname "$0")/../.." && pwd)"
root="${TORCH_ROOT:-$here/.cache/torch-root}"
debs="$(dirname "$root")/torch-debs"
env_lines() {
  libs=$(find "$root" -name '*.so*' -printf '%h\n' | sort -u | grep -v '/blas$' | grep -v '/lapack$' | tr '\n' ':')
  echo "export TORCH_ROOT='$root'"
  echo "export PYTHONPATH='$root/usr/lib/python3/dist-packages'"
  echo "export LD_LIBRARY_PATH='$root/usr/lib/x86_64-linux-gnu/openblas-pthread:$libs'"
}
if [ ! -d "$root/usr/lib/python3/dist-packages/torch" ]; then
  mkdir -p "$debs" "$root"
  # What `apt-get install python3-torch` would add here (simulated: nothing is installed).
  pkgs=$(apt-get install -s --no-install-recommends python3-torch libopenblas0-pthread | awk '/^Inst/ {print $2}')
  (cd "$debs" && apt-get download $pkgs >&2)
  for d in "$debs"/*.deb; do dpkg -x "$d" "$root"; done
fi
env_lines
