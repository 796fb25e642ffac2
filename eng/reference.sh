#!/usr/bin/env bash
# Installs what the original SinGAN-Seg code (../shared/reference/singan-seg) needs to run beside
# this project in the benchmark harness (`singanseg-bench engine|style --reference DIR`): Debian's
# PyTorch and the libraries its imports pull in. PyPI is not reachable here, so Debian's packages
# are the only source; the harness runs them with /usr/bin/python3 (not a pyenv python on PATH).
# usage: eng/reference.sh
set -euo pipefail
packages=(python3-torch python3-torchvision python3-matplotlib python3-skimage python3-sklearn
  python3-scipy python3-tqdm python3-imageio python3-numpy)
if /usr/bin/python3 -c 'import torch, torchvision, matplotlib, skimage, sklearn, scipy, tqdm, imageio' 2>/dev/null; then
  exit 0
fi
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "installing ${packages[*]} needs root or sudo: apt-get install ${packages[*]}" >&2; exit 1; }
  sudo_cmd="sudo"
fi
$sudo_cmd apt-get update -qq
$sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
/usr/bin/python3 -c 'import torch; print("reference runtime: torch", torch.__version__, "on", torch.get_num_threads(), "threads")'
