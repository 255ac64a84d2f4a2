#!/usr/bin/env bash
# The paper's Tab. 1 on the demo data: binary vs BackSplit for each network (`./backsplit demo --arch ...`, same
# data, budget and seed; trained models in the demo folder are reused), then each demo's table.
# Usage: bench/demo_architectures.sh [DEMO_FOLDER (default backsplit-demo)]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-backsplit-demo}"
for arch in unet resenc segresnet unet2d; do
  start=$(date +%s)
  "$here/backsplit" demo --arch "$arch" --out "$out" > "$out/demo_$arch.log" 2>&1
  echo "== $arch ($(( $(date +%s) - start )) s this invocation)"
  sed -n '/^model /,/^HD95: mean/p' "$out/demo_$arch.log"
done
