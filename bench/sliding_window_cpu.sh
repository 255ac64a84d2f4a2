#!/usr/bin/env bash
# Sliding-window throughput on the CPU: this engine (SlidingWindowBench: stitching alone, no mirroring, 8-way
# mirroring) beside PyTorch running the same tiles and weighting without mirroring (torch_sliding_window.py),
# same thread count. Usage: bench/sliding_window_cpu.sh [THREADS] [REPEATS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads=${1:-$(nproc)}
repeats=${2:-3}
source "$here/bench/torch_side.sh"
ours=$(java --add-modules=jdk.incubator.vector -Xss4m -cp "target/test-classes:target/classes:target/test-lib/*" \
  org.backsplit.bench.SlidingWindowBench cpu "$threads" "$repeats" 2>/dev/null)
torch=$(/usr/bin/python3 bench/torch_sliding_window.py "$reference" "$threads" "$repeats" | tail -1)
echo "$ours"
echo "$torch"
/usr/bin/python3 - "$ours" "$torch" "$threads" <<'PY'
import json, sys
ours = [json.loads(l) for l in sys.argv[1].splitlines()]
t = json.loads(sys.argv[2])
cpu = [l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')][0]
print("\n| run | s per 96x96x64 volume (best) | voxels/s |\n|---|---|---|")
for o in ours:
    print(f"| backsplit: {o['what']} | {o['best_s']:.3f} | {o['voxels_per_s']:.0f} |")
print(f"| {t['backend']}: {t['what']} | {t['best_s']:.3f} | {t['voxels_per_s']:.0f} |")
plain = [o for o in ours if o['what'] == 'network, no mirroring'][0]
print(f"\nratio ours / PyTorch (no mirroring): {plain['best_s'] / t['best_s']:.2f}   machine: {cpu}, {sys.argv[3]} threads")
PY
