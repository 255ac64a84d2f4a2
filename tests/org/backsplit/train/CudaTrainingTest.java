package org.backsplit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.backsplit.Gpu;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.Precision;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.backend.cuda.CudaBackend;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.UNetPlan;
import org.junit.jupiter.api.Test;

/**
 * A whole network trained on the GPU: 20 steps track the CPU run's losses, and two GPU runs give identical losses, for
 * the U-Net and for each other architecture. Skipped where there is no GPU; {@link EmulatedCudaTrainingTest} runs the
 * same on the CUDA emulator.
 */
class CudaTrainingTest {
    /** The CUDA backend under test. */
    CudaBackend cuda() {
        return Gpu.require();
    }

    private static final UNetPlan PLAN = new UNetPlan(
            1,
            3,
            new int[] {8, 16, 32},
            new int[][] {{1, 3, 3}, {3, 3, 3}, {3, 3, 3}},
            new int[][] {{1, 1, 1}, {1, 2, 2}, {2, 2, 2}},
            new int[] {2, 2, 2},
            new int[] {2, 2});

    private static List<Double> run(Backend backend, int steps) {
        SyntheticCase data = new SyntheticCase(16, 11);
        TrainingConfig config =
                new TrainingConfig(4, 5, OptimizerConfig.nnUNetSgd(), 12, LossSpec.nnUNet(3, false, -1), 7);
        Trainer t = Trainer.start(Architecture.UNET.build(backend, PLAN), config, data);
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < steps; i++) losses.add(t.step().loss());
        return losses;
    }

    @Test
    void twentyGpuStepsTrackTheCpuAndRepeatExactly() {
        CudaBackend cuda = cuda();
        List<Double> cpu = run(new CpuBackend(), 20), gpu = run(cuda, 20), again = run(cuda, 20);
        assertEquals(gpu, again, "two GPU runs must give identical losses");
        for (int i = 0; i < cpu.size(); i++) {
            double tol = 2e-3 * Math.max(1, Math.abs(cpu.get(i)));
            assertEquals(cpu.get(i), gpu.get(i), tol, "step " + i + ": CPU " + cpu.get(i) + " GPU " + gpu.get(i));
        }
        System.out.println("CPU losses: " + cpu + "\nGPU losses: " + gpu);
    }

    /**
     * The same 20 steps with TF32 convolutions: deterministic, and within TF32's accuracy of the CPU's fp32 run (inputs
     * rounded to 10 mantissa bits, so a looser tolerance than fp32's).
     */
    @Test
    void twentyTf32StepsTrackTheCpuAndRepeatExactly() {
        assertStepsTrackTheCpu(Precision.TF32, 5e-3, 20);
    }

    /**
     * The first 10 of those steps with BF16 convolutions (fewer, for the emulator's time in CI): deterministic, and
     * within BF16's accuracy of the CPU's fp32 run (ten unit roundoffs of its 7 mantissa bits, 2^-8, as the parity
     * contract allows each pass).
     */
    @Test
    void tenBf16StepsTrackTheCpuAndRepeatExactly() {
        assertStepsTrackTheCpu(Precision.BF16, 10 * Math.pow(2, -8), 10);
    }

    private void assertStepsTrackTheCpu(Precision precision, double relativeTolerance, int steps) {
        CudaBackend cuda = cuda();
        List<Double> cpu = run(new CpuBackend(), steps), gpu, again;
        cuda.usePrecision(precision);
        try {
            gpu = run(cuda, steps);
            again = run(cuda, steps);
        } finally {
            cuda.usePrecision(Precision.FP32);
        }
        assertEquals(gpu, again, "two " + precision + " GPU runs must give identical losses");
        for (int i = 0; i < cpu.size(); i++) {
            double tol = relativeTolerance * Math.max(1, Math.abs(cpu.get(i)));
            assertEquals(
                    cpu.get(i),
                    gpu.get(i),
                    tol,
                    "step " + i + ": CPU " + cpu.get(i) + " " + precision + " GPU " + gpu.get(i));
        }
        System.out.println("CPU losses: " + cpu + "\n" + precision + " GPU losses: " + gpu);
    }

    /**
     * ResEnc, SegResNet and the 2D U-Net: their ops (group norm, pooling, upsampling, residual adds) on the GPU through
     * training.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(
            value = Architecture.class,
            names = {"RESENC", "SEGRESNET", "UNET2D"})
    void otherArchitecturesTrackTheCpuOnTheGpu(Architecture a) {
        CudaBackend cuda = cuda();
        List<Double> cpu = runArchitecture(a, new CpuBackend(), 12),
                gpu = runArchitecture(a, cuda, 12),
                again = runArchitecture(a, cuda, 12);
        assertEquals(gpu, again, a + ": two GPU runs must give identical losses");
        for (int i = 0; i < cpu.size(); i++) {
            double tol = 2e-3 * Math.max(1, Math.abs(cpu.get(i)));
            assertEquals(cpu.get(i), gpu.get(i), tol, a + " step " + i + ": CPU " + cpu.get(i) + " GPU " + gpu.get(i));
        }
        System.out.println(a + " CPU losses: " + cpu + "\n" + a + " GPU losses: " + gpu);
    }

    private static List<Double> runArchitecture(Architecture a, Backend backend, int steps) {
        SyntheticCase data = new SyntheticCase(16, 13);
        Trainer t = Trainer.start(
                a.build(backend, ArchitectureTrainingTest.plan(a)),
                ArchitectureTrainingTest.config(a, 3, 5),
                ArchitectureTrainingTest.source(a, data));
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < steps; i++) losses.add(t.step().loss());
        return losses;
    }

    /** The caching allocator: once warm, a training step never calls cuMemAlloc (every temporary is closed). */
    @Test
    void warmTrainingStepsAllocateNothingNew() {
        CudaBackend cuda = cuda();
        SyntheticCase data = new SyntheticCase(16, 12);
        TrainingConfig config =
                new TrainingConfig(2, 5, OptimizerConfig.nnUNetSgd(), 12, LossSpec.nnUNet(3, false, -1), 8);
        Trainer t = Trainer.start(Architecture.UNET.build(cuda, PLAN), config, data);
        for (int i = 0; i < 3; i++) t.step();
        long warm = cuda.driverAllocations();
        for (int i = 0; i < 4; i++) t.step();
        assertEquals(warm, cuda.driverAllocations(), "cuMemAlloc calls after warm-up");
    }
}
