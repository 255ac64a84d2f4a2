#!/usr/bin/env bash
# Sliding-window throughput on the CPU: this engine (SlidingWindowBench: stitching alone, no mirroring, 8-way
# mirroring) beside PyTorch 1.13 running the same tiles and weighting without mirroring (torch_sliding_window.py)
# and PyTorch 2.10 (libtorch through JavaCPP, bench/torch210/run_sliding_window.sh) without mirroring and with 8-way
# mirroring, the mirror images one at a time as nnU-Net runs them and as one batch of 8; same thread count, one
# after the other. Usage: bench/sliding_window_cpu.sh [THREADS] [REPEATS]
# (PyTorch 2.10's one-at-a-time mirrored run takes minutes on 2 cores: it runs last, once.)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads=${1:-$(nproc)}
repeats=${2:-3}
source "$here/bench/torch_side.sh"
ours=$(java --add-modules=jdk.incubator.vector -Xss4m -cp "target/test-classes:target/classes:target/test-lib/*" \
  org.backsplit.bench.SlidingWindowBench cpu "$threads" "$repeats" 2>/dev/null)
torch=$(/usr/bin/python3 bench/torch_sliding_window.py "$reference" "$threads" "$repeats" | tail -1)
torch210=$(bench/torch210/run_sliding_window.sh "$reference" "$threads" "$repeats" 2>/dev/null)
echo "$ours"
echo "$torch"
echo "$torch210"
/usr/bin/python3 - "$ours" "$torch" "$threads" "$torch210" <<'PY'
import json, sys
ours = [json.loads(l) for l in sys.argv[1].splitlines()]
t = json.loads(sys.argv[2])
t210 = [json.loads(l) for l in sys.argv[4].splitlines()]
cpu = [l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')][0]
print("\n| run | s per 96x96x64 volume (best) | voxels/s |\n|---|---|---|")
for o in ours:
    print(f"| backsplit: {o['what']} | {o['best_s']:.3f} | {o['voxels_per_s']:.0f} |")
print(f"| {t['backend']}: {t['what']} | {t['best_s']:.3f} | {t['voxels_per_s']:.0f} |")
for r in t210:
    print(f"| {r['backend']}: {r['what']} | {r['best_s']:.3f} | {r['voxels_per_s']:.0f} |")
plain = [o for o in ours if o['what'] == 'network, no mirroring'][0]
mirrored = [o for o in ours if o['what'] == 'network, 8-way mirroring'][0]
print(f"\nmachine: {cpu}, {sys.argv[3]} threads")
print(f"ours / PyTorch {t['backend'].split()[1]} (no mirroring): {plain['best_s'] / t['best_s']:.2f}")
if t210:
    p0 = [r for r in t210 if r['what'] == 'network, no mirroring'][0]
    fastest = min((r for r in t210 if 'mirroring' in r['what'] and 'no mirroring' not in r['what']), key=lambda r: r['best_s'])
    print(f"ours / PyTorch 2.10 (no mirroring): {plain['best_s'] / p0['best_s']:.2f}")
    print(f"ours / PyTorch 2.10's fastest 8-way mirroring ({fastest['what']}): {mirrored['best_s'] / fastest['best_s']:.2f}")
PY
