#!/usr/bin/env bash
# One SwinUNETR training step on the CPU (feature size 12, 64^3 patch, batch 2, 4 classes, DC+CE, AdamW): this
# engine (`backsplit bench --arch swinunetr`) beside PyTorch 1.13 (Debian's python3-torch) running the
# re-implementation of MONAI's network in tests/fixtures/reference_swin_unetr.py, same thread count, one after the
# other, ROUNDS rounds. PyTorch 2.10 is not run: its harness (../shared/reference/libtorch-2.10) runs the
# reference U-Net only.
# Usage: bench/swin_unetr_step_cpu.sh [THREADS] [STEPS] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads=${1:-$(nproc)}
steps=${2:-10}
rounds=${3:-1}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
printf '| round | engine | ms/step (median) | best step |\n|---|---|---|---|\n'
for round in $(seq 1 "$rounds"); do
  ours=$("$here/backsplit" bench --arch swinunetr --patch 64 --device cpu --threads "$threads" --steps "$steps" | tail -1)
  torch=$(/usr/bin/python3 "$here/bench/torch_swin_unetr_step.py" "$threads" "$steps" | tail -1)
  om=$(echo "$ours" | awk '{print $1}'); ob=$(echo "$ours" | awk '{print $2}')
  tm=$(echo "$torch" | /usr/bin/python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["ms_step"])')
  tb=$(echo "$torch" | /usr/bin/python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["min_ms"])')
  printf '| %s | backsplit (Java, cpu) | %s | %s |\n| %s | PyTorch 1.13 (Python) | %s | %s |\n' \
    "$round" "$om" "$ob" "$round" "$tm" "$tb"
  echo "round $round: ours / PyTorch 1.13 median $(echo "$om / $tm" | bc -l | cut -c1-4), best $(echo "$ob / $tb" | bc -l | cut -c1-4)"
done
echo "machine: $cpu, $threads threads, $steps timed steps per engine and round"
