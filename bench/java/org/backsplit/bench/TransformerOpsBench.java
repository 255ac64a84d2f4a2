package org.backsplit.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.backsplit.backend.AttentionOutput;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LayerNormOutput;
import org.backsplit.backend.RowGather;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.nn.SwinWindows;
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
 * The CPU backend's transformer operations at the shapes of SwinUNETR's first stage (batch 2): a map of size^3 tokens
 * with C channels, heads of 4 channels (feature size 12) or 8 (24), shifted 7^3 windows. Shape strings are
 * "size-channels-heads". Attention costs 4 * windows * heads * 343^2 * head channels flops forward.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xss4m"})
public class TransformerOpsBench {

    @Param({"16-12-3", "32-24-3"})
    public String shape;

    private Backend cpu;
    private Tensor map;
    private Tensor mapGrad;
    private Tensor gamma;
    private Tensor beta;
    private LayerNormOutput norm;
    private RowGather partition;
    private Tensor windows;
    private Tensor qkv;
    private Tensor bias;
    private Tensor mask;
    private AttentionOutput attention;
    private Tensor attentionGrad;
    private int heads;
    private double scale;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split("-");
        int size = Integer.parseInt(p[0]), c = Integer.parseInt(p[1]);
        heads = Integer.parseInt(p[2]);
        scale = 1 / Math.sqrt((double) c / heads);
        cpu = new CpuBackend();
        Random rnd = new Random(0);
        SwinWindows w = new SwinWindows(2, new int[] {size, size, size}, 7, true);
        Shape ms = w.mapShape(c), cs = new Shape(c), qs = w.windowShape(3 * c);
        map = cpu.upload(ConvBench.random(rnd, ms.size()), ms);
        mapGrad = cpu.upload(ConvBench.random(rnd, ms.size()), ms);
        gamma = cpu.upload(ConvBench.random(rnd, c), cs);
        beta = cpu.upload(ConvBench.random(rnd, c), cs);
        norm = cpu.layerNorm(map, gamma, beta, 1e-5);
        partition = w.partition(c);
        windows = cpu.gatherRows(map, partition);
        qkv = cpu.upload(ConvBench.random(rnd, qs.size()), qs);
        bias = cpu.upload(
                ConvBench.random(rnd, w.tokens() * w.tokens() * heads), new Shape(w.tokens(), w.tokens(), heads));
        mask = cpu.upload(w.mask(), w.maskShape());
        attention = cpu.windowAttention(qkv, bias, mask, heads, scale);
        attentionGrad = cpu.upload(
                ConvBench.random(rnd, attention.out().shape().size()),
                attention.out().shape());
    }

    @Benchmark
    public void layerNormForward() {
        LayerNormOutput f = cpu.layerNorm(map, gamma, beta, 1e-5);
        f.y().close();
        f.mean().close();
        f.rstd().close();
    }

    @Benchmark
    public void layerNormBackward() {
        var g = cpu.layerNormBackward(mapGrad, map, gamma, norm);
        g.dx().close();
        g.dgamma().close();
        g.dbeta().close();
    }

    @Benchmark
    public void geluForward() {
        cpu.gelu(map).close();
    }

    @Benchmark
    public void geluBackward() {
        cpu.geluBackward(mapGrad, map).close();
    }

    /** Pad, roll and partition into shifted windows. */
    @Benchmark
    public void windowPartitionForward() {
        cpu.gatherRows(map, partition).close();
    }

    @Benchmark
    public void windowPartitionBackward() {
        cpu.gatherRowsBackward(windows, partition).close();
    }

    @Benchmark
    public void windowAttentionForward() {
        AttentionOutput a = cpu.windowAttention(qkv, bias, mask, heads, scale);
        a.out().close();
        a.probabilities().close();
    }

    @Benchmark
    public void windowAttentionBackward() {
        var g = cpu.windowAttentionBackward(attentionGrad, qkv, attention, heads, scale);
        g.dqkv().close();
        g.dbias().close();
    }
}
