#!/usr/bin/env bash
# Runs the whole test suite on a fresh clone: provides what the tests need — the native runtime
# TorchSharp requires (eng/native/setup.sh, also run by every build) and Azurite, the Azure
# Storage emulator (npm, into .tools/; the cluster tests start their own instances) — then
# runs the tests.
# usage: eng/test.sh [extra dotnet test arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash eng/native/setup.sh
if [ ! -x .tools/node_modules/.bin/azurite ]; then
  command -v npm >/dev/null || { echo "npm is needed to install Azurite (the cluster tests' storage emulator)" >&2; exit 1; }
  npm install --prefix .tools --no-audit --no-fund --loglevel=error azurite@3.37.0
fi

# --- Headless Chromium for the web dashboard tests (tests/SinGanSeg.Web.Tests) ---------------
# Playwright drives the system browser; it cannot download its own here.
if [ ! -x /usr/bin/chromium ]; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "chromium is missing and installing it needs root or sudo: apt-get install chromium chromium-driver" >&2; exit 1; }
    sudo_cmd="sudo"
  fi
  $sudo_cmd apt-get update
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
fi
# --- end of the Chromium block ------------------------------------------------------------------

# One test project at a time: they all train models, and two cores are all there is.
dotnet test SinGanSeg.Cluster.sln -c Release -m:1 --logger "console;verbosity=normal" "$@"
