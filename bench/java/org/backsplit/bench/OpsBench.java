package org.backsplit.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.backsplit.backend.Backend;
import org.backsplit.backend.GroupNormOutput;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.SgdStep;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU backend's non-convolution operations on activations of batch 2. Shape strings are "size-channels" (cubic).
 * These are memory-bound: compare bytes moved with the machine's bandwidth. Outputs are closed, as a training step
 * closes them, so their arrays are reused.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xss4m"})
public class OpsBench {

    @Param({"32-8", "32-32", "64-32"})
    public String shape;

    private Backend cpu;
    private Tensor x;
    private Tensor dy;
    private Tensor gamma;
    private Tensor beta;
    private GroupNormOutput norm;
    private Tensor lrelu;
    private Tensor logits;
    private Tensor labels;
    private Tensor transposedWeight;
    private Tensor half;
    private Tensor halfSameWidth;
    private GroupNormOutput groupNorm;
    private Tensor param;
    private Tensor grad;
    private Tensor buffer;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split("-");
        int size = Integer.parseInt(p[0]), c = Integer.parseInt(p[1]);
        cpu = new CpuBackend();
        Random rnd = new Random(0);
        Shape s = Shape.ndhwc(2, size, size, size, c), cs = new Shape(c);
        x = cpu.upload(ConvBench.random(rnd, s.size()), s);
        dy = cpu.upload(ConvBench.random(rnd, s.size()), s);
        gamma = cpu.upload(ConvBench.random(rnd, c), cs);
        beta = cpu.upload(ConvBench.random(rnd, c), cs);
        norm = cpu.groupNorm(x, gamma, beta, x.shape().c(), 1e-5);
        lrelu = cpu.leakyRelu(x, 0.01);
        Shape ls = s.withChannels(4);
        logits = cpu.upload(ConvBench.random(rnd, ls.size()), ls);
        float[] lab = new float[s.size() / c];
        for (int i = 0; i < lab.length; i++) lab[i] = rnd.nextInt(4);
        labels = cpu.upload(lab, s.withChannels(1));
        Shape hs = Shape.ndhwc(2, size / 2, size / 2, size / 2, 2 * c);
        half = cpu.upload(ConvBench.random(rnd, hs.size()), hs);
        Shape hc = hs.withChannels(c);
        halfSameWidth = cpu.upload(ConvBench.random(rnd, hc.size()), hc);
        groupNorm = cpu.groupNorm(x, gamma, beta, 8, 1e-5);
        transposedWeight = cpu.upload(ConvBench.random(rnd, 2 * c * 8 * c), new Shape(2 * c, 2, 2, 2, c));
        Shape ps = new Shape(1 << 20);
        param = cpu.upload(ConvBench.random(rnd, ps.size()), ps);
        grad = cpu.upload(ConvBench.random(rnd, ps.size()), ps);
        buffer = cpu.zeros(ps);
    }

    @Benchmark
    public void instanceNormForward() {
        GroupNormOutput f = cpu.groupNorm(x, gamma, beta, x.shape().c(), 1e-5);
        f.y().close();
        f.mean().close();
        f.rstd().close();
    }

    @Benchmark
    public void instanceNormBackward() {
        var g = cpu.groupNormBackward(dy, x, gamma, norm, x.shape().c());
        g.dx().close();
        g.dgamma().close();
        g.dbeta().close();
    }

    /** SegResNet's norm: 8 groups (with 8 channels, one channel per group). */
    @Benchmark
    public void groupNormForward() {
        GroupNormOutput f = cpu.groupNorm(x, gamma, beta, 8, 1e-5);
        f.y().close();
        f.mean().close();
        f.rstd().close();
    }

    @Benchmark
    public void groupNormBackward() {
        var g = cpu.groupNormBackward(dy, x, gamma, groupNorm, 8);
        g.dx().close();
        g.dgamma().close();
        g.dbeta().close();
    }

    /** The residual encoder's strided skip: size -> size/2. */
    @Benchmark
    public void averagePoolForward() {
        cpu.avgPool3d(x, new int[] {2, 2, 2}).close();
    }

    @Benchmark
    public void averagePoolBackward() {
        cpu.avgPool3dBackward(halfSameWidth, new int[] {2, 2, 2}, x.shape()).close();
    }

    /** SegResNet's upsampling: size/2 -> size, C channels. */
    @Benchmark
    public void trilinearUpsampleForward() {
        cpu.upsampleTrilinear(halfSameWidth, new int[] {2, 2, 2}).close();
    }

    @Benchmark
    public void trilinearUpsampleBackward() {
        cpu.upsampleTrilinearBackward(x, new int[] {2, 2, 2}, halfSameWidth.shape())
                .close();
    }

    @Benchmark
    public void leakyReluForward() {
        cpu.leakyRelu(x, 0.01).close();
    }

    @Benchmark
    public void leakyReluBackward() {
        cpu.leakyReluBackward(dy, lrelu, 0.01).close();
    }

    @Benchmark
    public double diceCrossEntropy4Classes() {
        var r = cpu.diceCrossEntropy(logits, labels, LossSpec.nnUNet(4, true, -1));
        r.gradLogits().close();
        return r.loss();
    }

    @Benchmark
    public void concatChannels() {
        cpu.concatChannels(x, dy).close();
    }

    @Benchmark
    public void transposedConvForward() {
        cpu.convTranspose3d(half, transposedWeight, null, new int[] {2, 2, 2}).close();
    }

    @Benchmark
    public void transposedConvBackwardData() {
        cpu.convTranspose3dBackwardData(x, transposedWeight, new int[] {2, 2, 2})
                .close();
    }

    @Benchmark
    public Object transposedConvBackwardWeight() {
        return cpu.convTranspose3dBackwardWeight(half, x, new int[] {2, 2, 2}, true);
    }

    /** 1M parameters: SGD with Nesterov momentum and weight decay. */
    @Benchmark
    public Tensor sgdStep1M() {
        cpu.sgdStep(param, grad, buffer, new SgdStep(1e-6, 0.99, 3e-5, true, false));
        return param;
    }
}
