#!/usr/bin/env bash
# One training step of the demo-size U-Net (4 stages 8..64, 32^3, batch 2, 4 classes, deep supervision) on the
# CPU: this engine beside PyTorch (Debian's python3-torch) with the same thread count. Prints both JSON lines
# and a table with the ratio. Usage: bench/train_step_cpu.sh [THREADS] [STEPS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads=${1:-$(nproc)}
steps=${2:-10}
source "$here/bench/torch_side.sh"
ours=$(java --add-modules=jdk.incubator.vector -Xss4m -cp "target/test-classes:target/classes:target/test-lib/*" \
  org.backsplit.bench.TrainStepBench 4 8 64 32 2 4 "$threads" "$steps" 2>/dev/null)
torch=$(/usr/bin/python3 bench/torch_cpu_step.py "$reference" "$threads" "$steps" | tail -1)
echo "$ours"
echo "$torch"
/usr/bin/python3 - "$ours" "$torch" "$threads" <<'PY'
import json, sys, platform
o, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
cpu = [l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')][0]
print(f"\n| engine | ms/step (median) | min | forward | loss | backward | optimizer |")
print(f"|---|---|---|---|---|---|---|")
print(f"| backsplit (Java, {o['backend']}) | {o['ms_step']:.1f} | {o['min_ms']:.1f} | {o['forward_ms']:.1f} | {o['loss_ms']:.1f} | {o['backward_ms']:.1f} | {o['optimizer_ms']:.1f} |")
print(f"| PyTorch {__import__('torch').__version__} CPU, {sys.argv[3]} threads | {t['ms_step']:.1f} | {t['min_ms']:.1f} | | | | |")
print(f"\nratio ours / PyTorch: median {o['ms_step'] / t['ms_step']:.2f}, best step {o['min_ms'] / t['min_ms']:.2f}   machine: {cpu}, {sys.argv[3]} threads")
PY
