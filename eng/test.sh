#!/usr/bin/env bash
# Runs the whole test suite on a fresh clone: provides what the tests need — the native runtime
# TorchSharp requires (eng/native/setup.sh, also run by every build); Azurite, the Azure Storage
# emulator (npm, into .tools/; the cluster tests start their own instances); Debian's chromium
# (the dashboard tests drive it with Playwright, which cannot download a browser here), yamllint
# and postgresql (apt; the on-premises backend's tests start their own throwaway servers from its
# binaries, the package's own service is not used); the Kubernetes schema validator (npm, into .tools/deploy-validate) — then runs
# the tests.
# usage: eng/test.sh [extra dotnet test arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash eng/native/setup.sh
if [ ! -x .tools/node_modules/.bin/azurite ]; then
  command -v npm >/dev/null || { echo "npm is needed to install Azurite (the cluster tests' storage emulator)" >&2; exit 1; }
  npm install --prefix .tools --no-audit --no-fund --loglevel=error azurite@3.37.0
fi
# Debian packages: chromium for the dashboard tests, yamllint for the deploy checks, the
# PostgreSQL server binaries for the on-premises backend's tests, the README examples' tools.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
command -v yamllint >/dev/null || missing+=(yamllint)
# curl, jq, unzip and python3-requests: the README's REST examples are run by a test.
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
command -v unzip >/dev/null || missing+=(unzip)
python3 -c 'import requests' 2>/dev/null || missing+=(python3-requests)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "installing ${missing[*]} needs root or sudo: apt-get install ${missing[*]}" >&2; exit 1; }
    sudo_cmd="sudo"
  fi
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The Kubernetes schema validator (tests/SinGanSeg.Deploy.Tests), pinned by its lock file.
if ! cmp -s eng/deploy-validate/package-lock.json .tools/deploy-validate/package-lock.json \
   || [ ! -d .tools/deploy-validate/node_modules/kubernetes-models ]; then
  command -v npm >/dev/null || { echo "npm is needed for the Kubernetes schema validator (eng/deploy-validate)" >&2; exit 1; }
  mkdir -p .tools/deploy-validate
  cp eng/deploy-validate/package.json eng/deploy-validate/package-lock.json .tools/deploy-validate/
  # From inside the folder: with --prefix, npm would take .tools/package.json (Azurite) as the project.
  (cd .tools/deploy-validate && npm ci --no-audit --no-fund --loglevel=error)
fi

# One test project at a time: they all train models, and two cores are all there is.
dotnet test SinGanSeg.Cluster.sln -c Release -m:1 --logger "console;verbosity=normal" "$@"
