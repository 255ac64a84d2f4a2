#!/usr/bin/env bash
# One training step of the demo-size U-Net (4 stages 8..64, 32^3, batch 2, 4 classes, deep supervision) on the
# CPU: this engine beside PyTorch 1.13 (Debian's python3-torch) and PyTorch 2.10 (libtorch through JavaCPP, the
# shared harness ../shared/reference/libtorch-2.10/run.sh: the same network, weights and SGD), all three with the
# same thread count, one after the other, in ROUNDS rounds (a shared VM drifts by tens of percent within minutes:
# each round compares engines measured within a minute or two of each other). Each engine: 3 warm-up steps, then
# STEPS timed steps; median and best step. Prints the JSON lines and a table with the ratios per round.
# Usage: bench/train_step_cpu.sh [THREADS] [STEPS] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads=${1:-$(nproc)}
steps=${2:-10}
rounds=${3:-1}
source "$here/bench/torch_side.sh"
lines=""
for round in $(seq 1 "$rounds"); do
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
  lines="$lines$ours"$'\t'"$torch"$'\t'"$torch210"$'\n'
done
/usr/bin/python3 - "$lines" "$threads" <<'PY'
import json, statistics, sys
rounds = [[json.loads(x) for x in l.split('\t')] for l in sys.argv[1].strip().split('\n')]
threads = sys.argv[2]
cpu = [l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')][0]
v113 = __import__('torch').__version__
print(f"\n| round | engine | ms/step (median) | best step | forward | loss | backward | optimizer |")
print(f"|---|---|---|---|---|---|---|---|")
r210m, r210b, r113m, r113b = [], [], [], []
for i, (o, t, t210) in enumerate(rounds, 1):
    print(f"| {i} | backsplit (Java, {o['backend']}) | {o['ms_step']:.1f} | {o['min_ms']:.1f} | {o['forward_ms']:.1f} | {o['loss_ms']:.1f} | {o['backward_ms']:.1f} | {o['optimizer_ms']:.1f} |")
    print(f"| {i} | PyTorch {v113} (Python) | {t['ms_step']:.1f} | {t['min_ms']:.1f} | | | | |")
    r113m.append(o['ms_step'] / t['ms_step']); r113b.append(o['min_ms'] / t['min_ms'])
    if t210:
        print(f"| {i} | PyTorch 2.10 (libtorch, JavaCPP) | {t210['ms_step']:.1f} | {t210['min_ms']:.1f} | | | | |")
        r210m.append(o['ms_step'] / t210['ms_step']); r210b.append(o['min_ms'] / t210['min_ms'])
print(f"\nmachine: {cpu}, {threads} threads, {rounds[0][0]['steps']} timed steps per engine and round")
fmt = lambda xs: ", ".join(f"{x:.2f}" for x in xs)
print(f"ours / PyTorch {v113}: median {fmt(r113m)}; best step {fmt(r113b)}")
if r210m:
    print(f"ours / PyTorch 2.10: median {fmt(r210m)}; best step {fmt(r210b)}"
          f"  (median over {len(r210m)} rounds: median {statistics.median(r210m):.2f}, best {statistics.median(r210b):.2f})")
PY
