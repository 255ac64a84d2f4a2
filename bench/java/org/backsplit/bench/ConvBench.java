package org.backsplit.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.backsplit.backend.Backend;
import org.backsplit.backend.ConvGeometry;
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
 * The CPU backend's convolution passes at the demo U-Net's shapes (batch 2). Shape strings are "C-K-size-stride": C in,
 * K out, cubic size of the input, stride. GFLOP per call = 2*N*out_voxels*K*C*27/1e9.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xss4m"})
public class ConvBench {

    @Param({"8-8-32-1", "16-8-32-1", "16-16-16-1", "8-16-32-2", "32-32-8-1", "64-32-8-1"})
    public String shape;

    private Backend cpu;
    private Tensor x;
    private Tensor w;
    private Tensor b;
    private Tensor dy;
    private ConvGeometry g;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split("-");
        int c = Integer.parseInt(p[0]),
                k = Integer.parseInt(p[1]),
                size = Integer.parseInt(p[2]),
                stride = Integer.parseInt(p[3]);
        cpu = new CpuBackend();
        Random rnd = new Random(0);
        Shape xs = Shape.ndhwc(2, size, size, size, c);
        g = ConvGeometry.same(new int[] {3, 3, 3}, new int[] {stride, stride, stride});
        x = cpu.upload(random(rnd, xs.size()), xs);
        w = cpu.upload(random(rnd, k * 27 * c), new Shape(k, 3, 3, 3, c));
        b = cpu.upload(random(rnd, k), new Shape(k));
        Shape ys = g.outShape(xs, k);
        dy = cpu.upload(random(rnd, ys.size()), ys);
    }

    static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    @Benchmark
    public void forward() {
        cpu.conv3d(x, w, b, g).close();
    }

    @Benchmark
    public void backwardData() {
        cpu.conv3dBackwardData(dy, w, g, x.shape()).close();
    }

    @Benchmark
    public Object backwardWeight() {
        return cpu.conv3dBackwardWeight(x, dy, g, true);
    }
}
