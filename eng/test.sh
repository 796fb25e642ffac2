#!/usr/bin/env bash
# Runs the whole test suite on a fresh clone: restores packages, provides the native runtime
# TorchSharp needs (eng/native/setup.sh, also run by every build), then runs the tests.
# usage: eng/test.sh [extra dotnet test arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash eng/native/setup.sh
dotnet test SinGanSeg.Cluster.sln -c Release --logger "console;verbosity=normal" "$@"
