#!/usr/bin/env bash
# Called by Maven (generate-resources): builds kernels/*.cu into OUT_DIR/backsplit.fatbin with CMake and nvcc.
# Without nvcc or CMake the build goes on and the CUDA backend reports itself unavailable at run time.
set -euo pipefail
out=${1:?usage: build-kernels.sh OUT_DIR BUILD_DIR}
build=${2:?usage: build-kernels.sh OUT_DIR BUILD_DIR}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
if [ -z "$nvcc" ] || ! command -v cmake >/dev/null 2>&1; then
  echo "[kernels] nvcc or cmake not found: building without CUDA kernels (the CUDA backend will be unavailable)"
  exit 0
fi
cmake -S "$here" -B "$build" -DNVCC="$nvcc" >/dev/null
cmake --build "$build"
mkdir -p "$out"
cp "$build/backsplit.fatbin" "$out/backsplit.fatbin"
