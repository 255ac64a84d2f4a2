#!/usr/bin/env bash
# Runs on the GPU host from a carried build (bench/gpu/prepare.sh made .jre and target/gpu here; nothing is
# built there): the CUDA parity and training tests, then per-kernel timings beside PyTorch eager on the same
# card, and prints a short table last. Full logs go to $OUT (or /tmp/backsplit-gpu).
set -u
out=${OUT:-/tmp/backsplit-gpu}
mkdir -p "$out"
java=".jre/bin/java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -Xmx24g"
cp="target/gpu/classes:target/gpu/test-classes:$(ls target/gpu/lib/*.jar | tr "\n" ":")"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv | tee "$out/gpu.txt"
echo "== parity and training tests"
$java -jar target/gpu/junit-platform-console-standalone.jar execute --class-path "$cp" --disable-banner --details=tree \
  --select-class org.backsplit.backend.CudaBackendParityTest --select-class org.backsplit.train.CudaTrainingTest \
  > "$out/tests.log" 2>&1
echo "tests exit code $?"
grep -E "✘|MethodSource|Exception|expected" "$out/tests.log" | head -30
grep -E "GPU losses|CPU losses" "$out/tests.log" | head -2
echo "== our kernels"
$java -cp "$cp" org.backsplit.bench.CudaOpsBench 128 32 2>&1 | tee "$out/ours.jsonl"
echo "== PyTorch eager"
python3 bench/gpu/torch_ops.py 128 32 2>&1 | tee "$out/torch.jsonl"
python3 bench/gpu/table.py "$out/ours.jsonl" "$out/torch.jsonl" "$out/tests.log" | tee "$out/table.md"
