#!/usr/bin/env bash
# Issue 16's study (docs/QUALITY.md), as run on 2026-12-03: the baseline of polyps.sh (20 pairs,
# 64 px, 100 iterations, gen_start_scale 0, restyled, gates on report), then the same trained models
# sampled again with the quality and copy gates on regenerate, and from gen_start_scale 1; each
# dataset judged by the plain U-Net and UNet++ on the same folds, steps and fixed test set; then
# the table and figures. Steps run one after another: two torch processes on 2 cores slow each
# other far more than 2x (their OpenMP threads spin). Every step resumes when rerun.
# Usage: bench/evaluation/study.sh [WORKDIR]   (default runs/q-it100-s64; about 3 h on 2 idle cores)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
base="${1:-$root/runs/q-it100-s64}"
eval_args=(--folds 3 --epochs 8 --image-size 64 --learning-rate 1e-3)
# 1. The baseline: SinGAN-Seg models, 10 restyled samples each, the plain U-Net (UNet++ below).
[ -f "$base/synthetic/manifest.jsonl" ] || SINGANSEG_EVAL_MODELS=none "$root/bench/evaluation/polyps.sh" "$base" 20
[ -f "$base/evaluation-unet/report.json" ] || "$root/singanseg" evaluate --real "$base/real" --synthetic "$base/synthetic" \
  --test "$base/test" --out "$base/evaluation-unet" "${eval_args[@]}" --model unet
[ -f "$base/evaluation-unetpp/report.json" ] || "$root/singanseg" evaluate --real "$base/real" --synthetic "$base/synthetic" \
  --test "$base/test" --out "$base/evaluation-unetpp" "${eval_args[@]}" --model unetpp
# 2. Variants that reuse the baseline's trained models (a job finds a model with the same image,
#    settings and seed in its store and skips training): the gates on regenerate; gen_start_scale 1.
variant() { # name, evaluators, extra run options...
  local name="$1" models="$2"; shift 2
  local dir="$base-$name"
  mkdir -p "$dir/synthetic/.singanseg/artifacts"
  [ -d "$dir/synthetic/.singanseg/artifacts/models" ] || cp -r "$base/synthetic/.singanseg/artifacts/models" "$dir/synthetic/.singanseg/artifacts/"
  [ -f "$dir/synthetic/manifest.jsonl" ] || "$root/singanseg" run --images "$base/real/images" --masks "$base/real/masks" --out "$dir/synthetic" \
    --preset fast --max-size 64 --iters 100 --samples-per-image 10 --style 1:1000 --style-steps 200 --slots 2 "$@"
  [ -f "$dir/evaluation/report.json" ] || "$root/singanseg" evaluate --real "$base/real" --synthetic "$dir/synthetic" \
    --test "$base/test" --out "$dir/evaluation" "${eval_args[@]}" --model "$models"
}
variant gate unet,unetpp --gate quality=regenerate --gate copyCheck=regenerate
# gen_start_scale 1 keeps the source's layout: at 64 px the copy check flags nearly every sample
# (docs/PRIVACY.md), so it can never be the shared setting; one evaluator shows what it buys.
variant gss1 unet --gen-start-scale 1
# 3. After the fix of the initial weights (SeededInit): the chosen configuration judged again by both
#    evaluators, with balanced mixes (the real pairs repeated to half of the mix) beside the plain ones.
[ -f "$base-gate/evaluation-balanced/report.json" ] || "$root/singanseg" evaluate --real "$base/real" --synthetic "$base-gate/synthetic" \
  --test "$base/test" --out "$base-gate/evaluation-balanced" "${eval_args[@]}" --model unetpp,unet --mix-real-share 0.5
# A second split (--seed 2: other folds, other initial weights) for UNet++, whose spread between
# evaluations is as large as the effects; and the baseline judged again by the U-Net after the fix.
[ -f "$base-gate/evaluation-balanced-seed2/report.json" ] || "$root/singanseg" evaluate --real "$base/real" --synthetic "$base-gate/synthetic" \
  --test "$base/test" --out "$base-gate/evaluation-balanced-seed2" "${eval_args[@]}" --steps 152 --model unetpp --mix-real-share 0.5 --seed 2
[ -f "$base/evaluation-unet-seeded/report.json" ] || "$root/singanseg" evaluate --real "$base/real" --synthetic "$base/synthetic" \
  --test "$base/test" --out "$base/evaluation-unet-seeded" "${eval_args[@]}" --steps 152 --model unet
# 4. The table (stdout) and one figure per evaluator.
dotnet build "$root/bench/SinGanSeg.Bench/SinGanSeg.Bench.csproj" -c Release -nologo -v quiet -clp:"ErrorsOnly;NoSummary" >&2
dotnet "$root/bench/SinGanSeg.Bench/bin/Release/net10.0/singanseg-bench.dll" study --study "$root/bench/evaluation/study.json" \
  --figures "$root/docs/images/quality-study" --save "$root/bench/results/$(date -u +%F)-quality-study.json"
