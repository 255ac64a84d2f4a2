#!/usr/bin/env bash
# Called by Maven (generate-resources): builds kernels/*.cu with CMake into OUT_DIR/backsplit.fatbin (nvcc)
# and EMULATOR_DIR/libbacksplit-cuda-emulator.so (a C++ compiler; the test tool that runs the kernels on the
# CPU). Without nvcc the build goes on and the CUDA backend reports itself unavailable at run time; without
# a C++ compiler the tests that run the CUDA backend on the emulator are skipped.
set -euo pipefail
usage="usage: build-kernels.sh OUT_DIR BUILD_DIR EMULATOR_DIR"
out=${1:?$usage}
build=${2:?$usage}
emulator=${3:?$usage}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v cmake >/dev/null 2>&1; then
  echo "[kernels] cmake not found: building without CUDA kernels (the CUDA backend will be unavailable) and without the emulator"
  exit 0
fi
nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
[ -n "$nvcc" ] || echo "[kernels] nvcc not found: building without CUDA kernels (the CUDA backend will be unavailable)"
cmake -S "$here" -B "$build" ${nvcc:+-DNVCC="$nvcc"} >/dev/null
cmake --build "$build" --parallel 2
if [ -f "$build/backsplit.fatbin" ]; then
  mkdir -p "$out"
  cp "$build/backsplit.fatbin" "$out/backsplit.fatbin"
fi
if [ -f "$build/libbacksplit-cuda-emulator.so" ]; then
  mkdir -p "$emulator"
  cp "$build/libbacksplit-cuda-emulator.so" "$emulator/"
else
  echo "[kernels] no C++ compiler: the CUDA emulator is not built (its tests will be skipped)"
fi
