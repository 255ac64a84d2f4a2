#!/usr/bin/env bash
# Runs on the GPU host from a carried build (bench/gpu/prepare.sh made .jre and target/gpu here; nothing is
# built there): the CUDA parity and training tests, per-kernel timings beside PyTorch eager (cuDNN NCDHW and
# NDHWC), the training steps beside PyTorch's whole step in the same precision, compute-sanitizer on a small
# case, ncu metrics of the C32 convolution passes where ncu exists, and a short table last. Every section has
# its own time limit, so one hang cannot eat the run; the summary says which sections finished. Full logs go
# to $OUT (or /tmp/backsplit-gpu).
set -u
out=${OUT:-/tmp/backsplit-gpu}
mkdir -p "$out"
java=".jre/bin/java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -Xmx24g"
cp="target/gpu/classes:target/gpu/test-classes:$(ls target/gpu/lib/*.jar | tr "\n" ":")"
card=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv | tee "$out/gpu.txt"
summary=()

# section NAME SECONDS COMMAND: runs COMMAND (a shell string) with a time limit and records how it ended
section() {
  local name=$1 limit=$2 cmd=$3 start=$SECONDS rc
  echo "== $name (limit ${limit}s)"
  timeout --kill-after=10 "$limit" bash -c "$cmd"
  rc=$?
  local how="exit $rc"
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && how="TIMED OUT"
  summary+=("$(printf '%-44s %-10s %4ds' "$name" "$how" $((SECONDS - start)))")
}

section "parity and training tests" 300 "$java -jar target/gpu/junit-platform-console-standalone.jar execute \
  --class-path '$cp' --disable-banner --details=tree \
  --select-class org.backsplit.backend.CudaBackendParityTest --select-class org.backsplit.backend.CudaTensorCoreParityTest \
  --select-class org.backsplit.train.CudaTrainingTest > '$out/tests.log' 2>&1; rc=\$?; \
  grep -E '✘|MethodSource|Exception|expected' '$out/tests.log' | head -30; \
  grep -E 'GPU losses|CPU losses' '$out/tests.log' | head -8; exit \$rc"

section "our kernels" 240 "$java -cp '$cp' org.backsplit.bench.CudaOpsBench 128 32 2>&1 | tee '$out/ours.jsonl'"
section "PyTorch eager kernels" 240 "python3 bench/gpu/torch_ops.py 128 32 2>&1 | tee '$out/torch.jsonl'"

section "demo-size step (32^3)" 120 "$java -cp '$cp' org.backsplit.bench.TrainStepBench 4 8 64 32 2 4 16 10 cuda fp32 \
  2>'$out/step_gpu_breakdown.txt' | tee '$out/step_gpu.jsonl'; head -12 '$out/step_gpu_breakdown.txt'"

for precision in fp32 tf32 bf16; do
  for cfg in "5 16 256 64 5" "6 32 320 128 2"; do
    set -- $cfg
    section "our step ${4}^3 $precision" 240 "$java -cp '$cp' org.backsplit.bench.TrainStepBench $1 $2 $3 $4 2 4 16 $5 cuda $precision \
      2>'$out/step_gpu_${4}_${precision}_breakdown.txt' | tee -a '$out/steps_big.jsonl'; head -8 '$out/step_gpu_${4}_${precision}_breakdown.txt'"
  done
  if [ -f target/gpu/ref/torch_unet_step.py ]; then
    section "PyTorch step 64^3, 128^3 $precision" 240 "python3 - $precision <<'PY' 2>&1 | grep '^{' | tee -a '$out/steps_big.jsonl'
import sys; sys.path.insert(0, 'target/gpu/ref')
import torch_unet_step as ref
mode = sys.argv[1]
ref.run('small64', 'cuda', [16, 32, 64, 128, 256], (64, 64, 64), 2, 4, mode, 10, 3)
ref.run('paper128', 'cuda', [32, 64, 128, 256, 320, 320], (128, 128, 128), 2, 4, mode, 5, 2)
PY"
  else
    summary+=("PyTorch step reference MISSING: target/gpu/ref/torch_unet_step.py (run prepare.sh)")
  fi
done

section "SwinUNETR step 96^3 fp32 (ours, PyTorch)" 240 "$java -cp '$cp' org.backsplit.cli.Main bench --arch swinunetr --features 24,384 \
  --patch 96 --steps 5 --device cuda 2>&1 | grep -v WARNING | tail -3 | tee '$out/swin_step.txt'; \
  python3 bench/torch_swin_unetr_step.py 16 5 24 96 cuda 2>&1 | tail -1 | tee -a '$out/swin_step.txt'"

section "forward on the PyTorch fixture, cuda vs cpu" 120 "python3 -c \"import numpy as np; np.save('/tmp/x.npy', np.random.RandomState(0).randn(2,2,4,8,8).astype('float32'))\"; \
  for d in cuda cpu; do $java -cp '$cp' org.backsplit.cli.Main forward --device \$d --checkpoint tests/resources/fixtures/unet_state_dict.safetensors \
    --input /tmp/x.npy --output /tmp/fwd_\$d 2>&1 | grep -v WARNING; done; \
  python3 -c \"import numpy as np; a, b = np.load('/tmp/fwd_cuda/logits_0.npy'), np.load('/tmp/fwd_cpu/logits_0.npy'); print('forward cuda vs cpu: max rel err %.2e' % (np.abs(a - b).max() / np.abs(b).max()))\""

sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -n "$sanitizer" ]; then
  for tool in memcheck racecheck; do
    section "compute-sanitizer $tool (small training case)" 300 "'$sanitizer' --tool $tool --error-exitcode 9 --target-processes all \
      $java -cp '$cp' org.backsplit.bench.CudaSanitizerCase > '$out/sanitizer_$tool.log' 2>&1; rc=\$?; tail -6 '$out/sanitizer_$tool.log'; exit \$rc"
  done
else
  summary+=("compute-sanitizer: not on this host")
fi

ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null || true)
if [ -n "$ncu" ]; then
  section "ncu: C32 convolution passes" 300 "'$ncu' --target-processes all --kernel-name regex:'conv3d_.*_32' --launch-skip 3 --launch-count 6 \
    --metrics gpu__time_duration.sum,sm__throughput.avg.pct_of_peak_sustained_elapsed,sm__inst_executed_pipe_tensor_op_hmma.avg.pct_of_peak_sustained_active,sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_active,dram__throughput.avg.pct_of_peak_sustained_elapsed,l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum,launch__registers_per_thread \
    $java -cp '$cp' org.backsplit.bench.CudaOpsBench 128 32 > '$out/ncu.txt' 2>&1; rc=\$?; grep -E 'conv3d_|duration|pct|conflicts|registers' '$out/ncu.txt' | head -60; exit \$rc"
else
  summary+=("ncu: not on this host")
fi

echo "== summary ($card)"
python3 bench/gpu/table.py "$out/ours.jsonl" "$out/torch.jsonl" "$out/tests.log"
python3 bench/gpu/steps_table.py "$out/steps_big.jsonl" "$card" | tee "$out/steps_table.md"
printf '%s\n' "${summary[@]}" | tee "$out/sections.txt"
