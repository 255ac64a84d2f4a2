#!/usr/bin/env bash
# One training step of the demo-size U-Net (4 stages 8..64, 32^3, batch 2, 4 classes, deep supervision) on the
# CPU: this engine beside PyTorch 1.13 (Debian's python3-torch) and PyTorch 2.10 (libtorch through JavaCPP, the
# shared harness ../shared/reference/libtorch-2.10/run.sh: the same network, weights and SGD), all three with the
# same thread count in one run, one after the other. Prints the three JSON lines and a table with the ratios.
# Usage: bench/train_step_cpu.sh [THREADS] [STEPS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads=${1:-$(nproc)}
steps=${2:-10}
source "$here/bench/torch_side.sh"
ours=$(java --add-modules=jdk.incubator.vector -Xss4m -cp "target/test-classes:target/classes:target/test-lib/*" \
  org.backsplit.bench.TrainStepBench 4 8 64 32 2 4 "$threads" "$steps" 2>/dev/null)
torch=$(/usr/bin/python3 bench/torch_cpu_step.py "$reference" "$threads" "$steps" | tail -1)
torch210="{}"
if [ -x "$reference/libtorch-2.10/run.sh" ]; then
  torch210=$("$reference/libtorch-2.10/run.sh" "$threads" "$steps" 2>/dev/null | tail -1) || torch210="{}"
else
  echo "note: no $reference/libtorch-2.10/run.sh: PyTorch 2.10 left out" >&2
fi
echo "$ours"
echo "$torch"
echo "$torch210"
/usr/bin/python3 - "$ours" "$torch" "$torch210" "$threads" <<'PY'
import json, sys
o, t, t210, threads = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
cpu = [l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')][0]
print(f"\n| engine | ms/step (median) | best step | forward | loss | backward | optimizer |")
print(f"|---|---|---|---|---|---|---|")
print(f"| backsplit (Java, {o['backend']}) | {o['ms_step']:.1f} | {o['min_ms']:.1f} | {o['forward_ms']:.1f} | {o['loss_ms']:.1f} | {o['backward_ms']:.1f} | {o['optimizer_ms']:.1f} |")
print(f"| PyTorch {__import__('torch').__version__} (Python) | {t['ms_step']:.1f} | {t['min_ms']:.1f} | | | | |")
if t210:
    print(f"| PyTorch 2.10 (libtorch, JavaCPP) | {t210['ms_step']:.1f} | {t210['min_ms']:.1f} | | | | |")
print(f"\nmachine: {cpu}, {threads} threads, {o['steps']} timed steps each")
print(f"ours / PyTorch {__import__('torch').__version__}: median {o['ms_step'] / t['ms_step']:.2f}, best step {o['min_ms'] / t['min_ms']:.2f}")
if t210:
    print(f"ours / PyTorch 2.10: median {o['ms_step'] / t210['ms_step']:.2f}, best step {o['min_ms'] / t210['min_ms']:.2f}")
PY
