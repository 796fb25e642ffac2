#!/usr/bin/env bash
# The main job end to end on this machine: trains a SinGAN-Seg model on a bundled Kvasir-SEG
# pair and generates synthetic image+mask pairs from it.
# usage: eng/demo.sh [--preset fast|tiny|paper] [--count N] [--out DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset=fast count=20 out="$root/runs/demo"
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
pair=cju0tl3uz8blh0993wxvn7ly3
"$root/singanseg" train --image "$root/samples/kvasir-seg/images/$pair.jpg" --mask "$root/samples/kvasir-seg/masks/$pair.jpg" \
  --out "$out/model" --preset "$preset" --id "$pair"
"$root/singanseg" generate --model "$out/model" --count "$count" --out "$out/samples"
echo "synthetic pairs: $out/samples/images and $out/samples/masks"
