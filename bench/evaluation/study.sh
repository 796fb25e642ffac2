#!/usr/bin/env bash
# Issue 16's study (docs/QUALITY.md), as run from 2026-12-03 on: the baseline of polyps.sh (20 pairs,
# 64 px, 100 iterations, gen_start_scale 0, restyled, gates on report), then the same trained models
# sampled again with the quality and copy gates on regenerate, and from gen_start_scale 1; each
# dataset judged by the plain U-Net and UNet++ on the same folds, steps and fixed test set;
# then 20 new trainings at 300 iterations per scale, and 20 at max size 96, judged the same way; then the
# U-Net on four more splits; then 20 trainings at the `fast` preset itself (128 px, 500 iterations); then the
# table and figures.
# Each report.json is kept in bench/results under the name bench/evaluation/study.json reads, so the
# table can be drawn again after runs/ is gone. Steps run one after another: two torch processes on 2 cores slow each
# other far more than 2x (their OpenMP threads spin). Every step resumes when rerun.
# Usage: bench/evaluation/study.sh [WORKDIR]   (default runs/q-it100-s64; about 23 h on 2 idle cores, 11 h of it the `fast` preset's step 9)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
base="${1:-$root/runs/q-it100-s64}"
eval_args=(--folds 3 --epochs 8 --image-size 64 --learning-rate 1e-3)
results="$root/bench/results"
keep() { # evaluation folder, name in bench/results (as study.json names it)
  [ -f "$results/$2.json" ] || cp "$1/report.json" "$results/$2.json"
}
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
keep "$base/evaluation-unet" 2026-12-03-quality-q-it100-s64-unet
keep "$base/evaluation-unetpp" 2026-12-03-quality-q-it100-s64-unetpp
keep "$base-gate/evaluation" 2026-12-03-quality-q-it100-s64-gate
keep "$base-gss1/evaluation" 2026-12-03-quality-q-it100-s64-gss1-unet
keep "$base-gate/evaluation-balanced" 2026-12-03-quality-q-it100-s64-gate-balanced
keep "$base-gate/evaluation-balanced-seed2" 2026-12-03-quality-q-it100-s64-gate-balanced-seed2
keep "$base/evaluation-unet-seeded" 2026-12-03-quality-q-it100-s64-unet-seeded
# 4. and 5. New trainings (the models differ), on the same split, gates on regenerate, judged like step 3:
#    both evaluators on split 1, and UNet++ on split 2 too (its verdicts rest on both splits pooled).
trained() { # work folder, run options... : new trainings on the study's real pairs, gates on regenerate
  local dir="$1"; shift
  if [ ! -f "$dir/synthetic/manifest.jsonl" ]; then
    for part in real test; do mkdir -p "$dir/$part" && cp -rn "$base/$part/images" "$base/$part/masks" "$dir/$part/"; done
    "$root/singanseg" run --images "$dir/real/images" --masks "$dir/real/masks" --out "$dir/synthetic" \
      --preset fast --samples-per-image 10 --style 1:1000 --style-steps 200 --slots 2 \
      --gate quality=regenerate --gate copyCheck=regenerate "$@"
  fi
}
retrained() { # work folder, name in bench/results, run options...
  local dir="$1" name="$2"; shift 2
  trained "$dir" "$@"
  [ -f "$dir/evaluation-balanced/report.json" ] || "$root/singanseg" evaluate --real "$dir/real" --synthetic "$dir/synthetic" \
    --test "$dir/test" --out "$dir/evaluation-balanced" "${eval_args[@]}" --model unetpp,unet --mix-real-share 0.5
  [ -f "$dir/evaluation-balanced-seed2/report.json" ] || "$root/singanseg" evaluate --real "$dir/real" --synthetic "$dir/synthetic" \
    --test "$dir/test" --out "$dir/evaluation-balanced-seed2" "${eval_args[@]}" --steps 152 --model unetpp --mix-real-share 0.5 --seed 2
  keep "$dir/evaluation-balanced" "$name-gate-balanced"
  keep "$dir/evaluation-balanced-seed2" "$name-gate-balanced-seed2"
}
# 4. Three times the iterations per scale.
retrained "${base/it100/it300}" 2026-12-04-quality-q-it300-s64 --max-size 64 --iters 300
# 5. Max size 96 (six scales instead of five; 100 iterations); the evaluators still train and test
#    at 64 px, so only the synthetic data differs.
retrained "${base/s64/s96}" 2026-12-05-quality-q-it100-s96 --max-size 96 --iters 100
# 6. (2026-12-05) Item 4's open target, real + synthetic >= real-only with UNet++: the chosen
#    configuration's dataset judged by UNet++ on three more splits (--seed 3, 4, 5: other folds, other
#    initial weights), so its verdict rests on 15 folds; the rule it is judged by was written down
#    before these runs (docs/QUALITY.md, "Status (2026-12-05, afternoon)").
for seed in 3 4 5; do
  [ -f "$base-gate/evaluation-balanced-seed$seed/report.json" ] || "$root/singanseg" evaluate --real "$base/real" --synthetic "$base-gate/synthetic" \
    --test "$base/test" --out "$base-gate/evaluation-balanced-seed$seed" "${eval_args[@]}" --steps 152 --model unetpp --mix-real-share 0.5 --seed "$seed"
  keep "$base-gate/evaluation-balanced-seed$seed" "2026-12-05-quality-q-it100-s64-gate-balanced-seed$seed"
done
# 7. (2026-12-06) Evaluators at the samples' own size: the U-Net trained and tested at 96 px on the chosen 64 px
#    dataset and on the 96 px one (split 1, the four sets that carry the verdicts; --sets leaves the others out and
#    the kept runs train as among all), after the 64 px dataset judged at 64 px with --sets, which must give step 3's
#    U-Net runs bit for bit; then the 96 px dataset minus the 64 px one, fold by fold (the rule: docs/QUALITY.md,
#    "Status (2026-12-06)").
at_size() { # real and test folder's parent, synthetic folder, out folder, size, name in bench/results
  [ -f "$3/report.json" ] || "$root/singanseg" evaluate --real "$1/real" --synthetic "$2" --test "$1/test" --out "$3" \
    --folds 3 --epochs 8 --learning-rate 1e-3 --steps 152 --model unet --mix-real-share 0.5 \
    --sets real,synthetic-raw,synthetic-styled,real+synthetic-raw-balanced --image-size "$4"
  keep "$3" "$5"
}
s96="${base/s64/s96}"
at_size "$base" "$base-gate/synthetic" "$base-gate/evaluation-unet-64-sets" 64 2026-12-06-quality-q-it100-s64-gate-unet64-sets
at_size "$base" "$base-gate/synthetic" "$base-gate/evaluation-unet-96" 96 2026-12-06-quality-q-it100-s64-gate-unet96
at_size "$s96" "$s96/synthetic" "$s96/evaluation-unet-96" 96 2026-12-06-quality-q-it100-s96-gate-unet96
bench() { dotnet "$root/bench/SinGanSeg.Bench/bin/Release/net10.0/singanseg-bench.dll" "$@"; }
dotnet build "$root/bench/SinGanSeg.Bench/SinGanSeg.Bench.csproj" -c Release -nologo -v quiet -clp:"ErrorsOnly;NoSummary" >&2
bench compare --a "$results/2026-12-03-quality-q-it100-s64-gate-balanced.json" --b "$results/2026-12-06-quality-q-it100-s64-gate-unet64-sets.json" \
  --label-a "2026-12-03" --label-b "with --sets, today"
bench compare --a "$results/2026-12-06-quality-q-it100-s64-gate-unet96.json" --b "$results/2026-12-06-quality-q-it100-s96-gate-unet96.json" \
  --label-a "64 px dataset" --label-b "96 px dataset"
# 8. (2026-12-06, night) The U-Net's item 4 verdicts on 15 folds: the chosen 64 px dataset judged at 64 px on
#    splits 2-5 (--seed 2 ... 5) as step 7 judged split 1, after split 1 run again, which must give step 7's report
#    bit for bit (the rule: docs/QUALITY.md, "Status (2026-12-06, night)").
u64() { # seed, out folder
  [ -f "$2/report.json" ] || "$root/singanseg" evaluate --real "$base/real" --synthetic "$base-gate/synthetic" --test "$base/test" \
    --out "$2" --folds 3 --epochs 8 --learning-rate 1e-3 --steps 152 --model unet --mix-real-share 0.5 \
    --sets real,synthetic-raw,synthetic-styled,real+synthetic-raw-balanced --image-size 64 --seed "$1"
}
u64 1 "$base-gate/evaluation-unet-64-sets-again"
bench compare --a "$results/2026-12-06-quality-q-it100-s64-gate-unet64-sets.json" --b "$base-gate/evaluation-unet-64-sets-again/report.json" \
  --label-a "split 1, session before" --label-b "split 1, again"
for seed in 2 3 4 5; do
  u64 "$seed" "$base-gate/evaluation-unet-64-sets-seed$seed"
  keep "$base-gate/evaluation-unet-64-sets-seed$seed" "2026-12-06-quality-q-it100-s64-gate-unet64-sets-seed$seed"
done
# 9. (2026-12-06, late night; the reports are named by this date, the rule's) Item 4 at the `fast` preset itself (128 px, 500 iterations, gen_start_scale 0): 20 new trainings,
#    about 8 h on 2 cores, so the job is stopped at the end of a session and the same command resumes it in the
#    next; then both evaluators at 64 px on splits 1-5 and the four sets, the U-Net first (its real-only runs must
#    equal step 8's bit for bit); then the fast dataset minus the quick one, fold by fold over the five splits
#    (the rule: docs/QUALITY.md, "Status (2026-12-06, late night)").
fast="${base/it100-s64/it500-s128}"
[ "$fast" != "$base" ] || { echo "study.sh: WORKDIR must end in it100-s64 (the fast preset's folder is named from it): $base" >&2; exit 2; }
trained "$fast"
judged() { # model, seed, out folder, name in bench/results
  [ -f "$3/report.json" ] || "$root/singanseg" evaluate --real "$fast/real" --synthetic "$fast/synthetic" --test "$fast/test" \
    --out "$3" --folds 3 --epochs 8 --learning-rate 1e-3 --steps 152 --model "$1" --mix-real-share 0.5 \
    --sets real,synthetic-raw,synthetic-styled,real+synthetic-raw-balanced --image-size 64 --seed "$2"
  keep "$3" "$4"
}
for model in unet unetpp; do
  for seed in 1 2 3 4 5; do
    judged "$model" "$seed" "$fast/evaluation-$model-64-sets-seed$seed" "2026-12-06-quality-q-it500-s128-gate-${model}64-sets-seed$seed"
  done
done
quick_unet="$results/2026-12-06-quality-q-it100-s64-gate-unet64-sets.json"
for seed in 2 3 4 5; do quick_unet+=",$results/2026-12-06-quality-q-it100-s64-gate-unet64-sets-seed$seed.json"; done
fast_unet="$(printf '%s,' "$results"/2026-12-06-quality-q-it500-s128-gate-unet64-sets-seed{1..5}.json)"
bench compare --a "$quick_unet" --b "${fast_unet%,}" --label-a "quick (64 px, 100 it)" --label-b "fast (128 px, 500 it)"
# 10. The table (stdout, with the splits pooled) and one figure per evaluator.
dotnet build "$root/bench/SinGanSeg.Bench/SinGanSeg.Bench.csproj" -c Release -nologo -v quiet -clp:"ErrorsOnly;NoSummary" >&2
dotnet "$root/bench/SinGanSeg.Bench/bin/Release/net10.0/singanseg-bench.dll" study --study "$root/bench/evaluation/study.json" \
  --figures "$root/docs/images/quality-study" --save "$root/bench/results/$(date -u +%F)-quality-study.json"
