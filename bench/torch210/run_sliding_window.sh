#!/usr/bin/env bash
# PyTorch 2.10 (libtorch through JavaCPP, as the shared training-step harness) running the same sliding window as
# bench/sliding_window_cpu.sh: prints one JSON line without mirroring and one with 8-way mirroring.
# Usage: bench/torch210/run_sliding_window.sh REFERENCE_DIR THREADS REPEATS
# Jars come from Maven Central (cached in ~/.m2); the build lands in target/torch210 (ignored by git).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
reference="$1" threads="$2" repeats="$3"
work="$root/target/torch210"
mkdir -p "$work/classes"
if [ ! -f "$work/lib/pytorch-2.10.0-1.5.13-linux-x86_64.jar" ]; then
  mvn -q -B -ntp -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$work/lib" \
    -Dmdep.excludeTransitive=true >&2
fi
src="$here/src/main/java/anchor/SlidingWindowTorch.java"
if [ ! -f "$work/classes/anchor/SlidingWindowTorch.class" ] || [ "$src" -nt "$work/classes/anchor/SlidingWindowTorch.class" ]; then
  javac --release 17 -cp "$work/lib/*" -d "$work/classes" "$src" >&2
fi
model="$work/sliding_window.pt"
if [ ! -f "$model" ] || [ "$here/make_sliding_window.py" -nt "$model" ]; then
  /usr/bin/python3 -B "$here/make_sliding_window.py" "$reference" "$model" >&2
fi
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
exec java --enable-native-access=ALL-UNNAMED -cp "$work/classes:$work/lib/*" anchor.SlidingWindowTorch "$model" "$threads" "$repeats"
