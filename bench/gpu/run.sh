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
echo "== parity and training tests (every op incl. group norm, pooling, upsampling; training steps of all four networks)"
$java -jar target/gpu/junit-platform-console-standalone.jar execute --class-path "$cp" --disable-banner --details=tree \
  --select-class org.backsplit.backend.CudaBackendParityTest --select-class org.backsplit.backend.CudaTf32ParityTest \
  --select-class org.backsplit.train.CudaTrainingTest \
  > "$out/tests.log" 2>&1
echo "tests exit code $?"
grep -E "✘|MethodSource|Exception|expected" "$out/tests.log" | head -30
grep -E "GPU losses|CPU losses" "$out/tests.log" | head -8
echo "== our kernels"
$java -cp "$cp" org.backsplit.bench.CudaOpsBench 128 32 2>&1 | tee "$out/ours.jsonl"
echo "== PyTorch eager"
python3 bench/gpu/torch_ops.py 128 32 2>&1 | tee "$out/torch.jsonl"
python3 bench/gpu/table.py "$out/ours.jsonl" "$out/torch.jsonl" "$out/tests.log" > "$out/table.md"
echo "== training step, demo size (4 stages 8..64, 32^3, batch 2, 4 classes): implicit-GEMM convolutions (fp32 CUDA cores)"
$java -cp "$cp" org.backsplit.bench.TrainStepBench 4 8 64 32 2 4 16 10 cuda 2>"$out/step_gpu_breakdown.txt" | tee "$out/step_gpu.jsonl"; head -12 "$out/step_gpu_breakdown.txt"
if [ -f .ref/torch_unet_step.py ]; then
  python3 - <<'PY' 2>&1 | tee "$out/step_torch.jsonl"
import sys; sys.path.insert(0, ".ref")
import torch_unet_step as ref
ref.run("demo32", "cuda", [8, 16, 32, 64], (32, 32, 32), 2, 4, "fp32", 10, 3)
PY
fi
echo "== forward --device cuda against --device cpu on the PyTorch fixture"
python3 -c "import numpy as np; np.save('/tmp/x.npy', np.random.RandomState(0).randn(2,2,4,8,8).astype('float32'))"
for d in cuda cpu; do
  $java -cp "$cp" org.backsplit.cli.Main forward --device $d --checkpoint tests/resources/fixtures/unet_state_dict.safetensors \
    --input /tmp/x.npy --output /tmp/fwd_$d 2>&1 | grep -v WARNING
done
python3 -c "
import numpy as np
a, b = np.load('/tmp/fwd_cuda/logits_0.npy'), np.load('/tmp/fwd_cpu/logits_0.npy')
print('forward cuda vs cpu: max rel err %.2e' % (np.abs(a - b).max() / np.abs(b).max()))"
for precision in fp32 tf32; do
  echo "== training steps at the issue's configurations, $precision convolutions: ours, then PyTorch eager $precision"
  for cfg in "5 16 256 64 5" "6 32 320 128 2"; do
    set -- $cfg
    $java -cp "$cp" org.backsplit.bench.TrainStepBench $1 $2 $3 $4 2 4 16 $5 cuda $precision 2>"$out/step_gpu_${4}_${precision}_breakdown.txt" | tee -a "$out/steps_big.jsonl"
    head -8 "$out/step_gpu_${4}_${precision}_breakdown.txt"
  done
  if [ -f .ref/torch_unet_step.py ]; then
    python3 - "$precision" <<'PY' 2>&1 | grep "^{" | tee -a "$out/steps_big.jsonl"
import sys; sys.path.insert(0, ".ref")
import torch_unet_step as ref
mode = sys.argv[1]
ref.run("small64", "cuda", [16, 32, 64, 128, 256], (64, 64, 64), 2, 4, mode, 10, 3)
ref.run("paper128", "cuda", [32, 64, 128, 256, 320, 320], (128, 128, 128), 2, 4, mode, 5, 2)
PY
  fi
done
echo "== summary"
python3 bench/gpu/table.py "$out/ours.jsonl" "$out/torch.jsonl" "$out/tests.log"
python3 bench/gpu/steps_table.py "$out/steps_big.jsonl" | tee "$out/steps_table.md"
