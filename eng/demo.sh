#!/usr/bin/env bash
# The main job end to end on the embedded single-process default: every bundled Kvasir-SEG pair
# gets its own SinGAN-Seg model, each model generates synthetic pairs, and the dataset lands in
# runs/demo/{images,masks,manifest.jsonl}. Interrupted, the same command resumes.
# usage: eng/demo.sh [--preset fast|tiny|paper] [--samples-per-image N] [--out DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset=fast samples=10 out="$root/runs/demo"
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset="$2"; shift 2 ;;
    --samples-per-image) samples="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
exec "$root/singanseg" run --images "$root/samples/kvasir-seg/images" --masks "$root/samples/kvasir-seg/masks" \
  --out "$out" --preset "$preset" --samples-per-image "$samples" --style 1:1000
