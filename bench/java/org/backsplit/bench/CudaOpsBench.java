package org.backsplit.bench;

import java.util.Arrays;
import java.util.Random;
import org.backsplit.backend.AttentionOutput;
import org.backsplit.backend.ConvGeometry;
import org.backsplit.backend.GroupNormOutput;
import org.backsplit.backend.LayerNormOutput;
import org.backsplit.backend.LossResult;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.Precision;
import org.backsplit.backend.RowGather;
import org.backsplit.backend.SgdStep;
import org.backsplit.backend.WeightGrads;
import org.backsplit.backend.cuda.CudaBackend;
import org.backsplit.nn.SwinWindows;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * Per-kernel GPU timings with CUDA events at the sizes of nnU-Net's largest layer (batch 2, C32, 128^3), and
 * SwinUNETR's transformer operations at its first stage (96^3 patch, feature size 24): each op's median time over 7
 * groups of 10 launches after a warm-up, and the bandwidth its kernels achieve counting the bytes they actually read
 * and write. Prints one JSON line per op. Usage: CudaOpsBench [SIZE] [CHANNELS]
 */
public final class CudaOpsBench {

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 128,
                c = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        try (CudaBackend gpu = CudaBackend.open()) {
            Random rnd = new Random(0);
            Shape s = Shape.ndhwc(2, size, size, size, c), cs = new Shape(c);
            long elems = s.numel(), bytes = 4 * elems;
            Tensor x = gpu.upload(random(rnd, (int) elems), s), dy = gpu.upload(random(rnd, (int) elems), s);
            Tensor gamma = gpu.upload(random(rnd, c), cs), beta = gpu.upload(random(rnd, c), cs);
            GroupNormOutput saved = gpu.groupNorm(x, gamma, beta, x.shape().c(), 1e-5);
            Tensor y = gpu.leakyRelu(x, 0.01);
            Shape ls = s.withChannels(3);
            Tensor logits = gpu.upload(random(rnd, (int) ls.numel()), ls);
            float[] lab = new float[(int) (elems / c)];
            for (int i = 0; i < lab.length; i++) lab[i] = rnd.nextInt(3);
            Tensor labels = gpu.upload(lab, s.withChannels(1));
            Shape ps = new Shape(31_197_204);
            Tensor p = gpu.upload(random(rnd, ps.size()), ps),
                    g = gpu.upload(random(rnd, ps.size()), ps),
                    buf = gpu.zeros(ps);
            String shape = "2x" + c + "x" + size + "^3";
            report(
                    gpu,
                    "instance_norm_forward",
                    shape,
                    4 * bytes,
                    () -> release(gpu.groupNorm(x, gamma, beta, x.shape().c(), 1e-5)));
            report(
                    gpu,
                    "instance_norm+leaky_relu_forward (fused)",
                    shape,
                    4 * bytes,
                    () -> release(
                            gpu.groupNormLeakyRelu(x, gamma, beta, x.shape().c(), 1e-5, 0.01)));
            report(gpu, "instance_norm_backward", shape, 5 * bytes, () -> {
                var r = gpu.groupNormBackward(dy, x, gamma, saved, x.shape().c());
                r.dx().close();
                r.dgamma().close();
                r.dbeta().close();
            });
            report(gpu, "instance_norm+leaky_relu forward+backward (fused)", shape, 11 * bytes, () -> {
                GroupNormOutput f =
                        gpu.groupNormLeakyRelu(x, gamma, beta, x.shape().c(), 1e-5, 0.01);
                var r = gpu.groupNormLeakyReluBackward(
                        dy, x, f.y(), gamma, f, x.shape().c(), 0.01);
                release(f);
                r.dx().close();
                r.dgamma().close();
                r.dbeta().close();
            });
            GroupNormOutput gsaved = gpu.groupNorm(x, gamma, beta, 8, 1e-5);
            report(
                    gpu,
                    "group_norm_forward (8 groups)",
                    shape,
                    4 * bytes,
                    () -> release(gpu.groupNorm(x, gamma, beta, 8, 1e-5)));
            report(gpu, "group_norm forward+backward (8 groups)", shape, 9 * bytes, () -> {
                GroupNormOutput f = gpu.groupNorm(x, gamma, beta, 8, 1e-5);
                var r = gpu.groupNormBackward(dy, x, gamma, f, 8);
                release(f);
                r.dx().close();
                r.dgamma().close();
                r.dbeta().close();
            });
            gsaved.y().close();
            int[] two = {2, 2, 2};
            Shape half = Shape.ndhwc(2, size / 2, size / 2, size / 2, c);
            Tensor small = gpu.upload(random(rnd, (int) half.numel()), half);
            report(
                    gpu,
                    "avg_pool_forward 2x2x2",
                    shape,
                    bytes + bytes / 8,
                    () -> gpu.avgPool3d(x, two).close());
            report(
                    gpu,
                    "avg_pool_backward 2x2x2",
                    shape,
                    bytes + bytes / 8,
                    () -> gpu.avgPool3dBackward(small, two, s).close());
            report(
                    gpu,
                    "trilinear_upsample_forward x2",
                    "2x" + c + "x" + size / 2 + "^3->" + size + "^3",
                    bytes + bytes / 8,
                    () -> gpu.upsampleTrilinear(small, two).close());
            report(
                    gpu,
                    "trilinear_upsample_backward x2",
                    "2x" + c + "x" + size + "^3->" + size / 2 + "^3",
                    bytes + bytes / 8,
                    () -> gpu.upsampleTrilinearBackward(dy, two, half).close());
            report(
                    gpu,
                    "leaky_relu_forward",
                    shape,
                    2 * bytes,
                    () -> gpu.leakyRelu(x, 0.01).close());
            report(
                    gpu,
                    "leaky_relu_backward",
                    shape,
                    3 * bytes,
                    () -> gpu.leakyReluBackward(dy, y, 0.01).close());
            long lossBytes = 4 * ls.numel() * 4 + 2 * 4 * (elems / c);
            report(gpu, "dice_ce forward+backward (3 classes)", "2x3x" + size + "^3", lossBytes, () -> {
                LossResult r = gpu.diceCrossEntropy(logits, labels, LossSpec.nnUNet(3, true, -1));
                r.gradLogits().close();
                r.loss(); // reads the terms back, as a logged training step does
            });
            convolutions(gpu, rnd, size);
            transformer(gpu, rnd);
            report(
                    gpu,
                    "sgd_step (31.2M params)",
                    "31197204",
                    5L * 4 * ps.numel(),
                    () -> gpu.sgdStep(p, g, buf, new SgdStep(1e-6, 0.99, 3e-5, true, false)));
            report(gpu, "sum_of_squares (31.2M)", "31197204", 4L * ps.numel(), () -> gpu.sumOfSquares(g));
        }
    }

    /**
     * The three passes of the 3x3x3 convolutions that carry most of a U-Net's FLOPs (notes 0.4): C32 at SIZE^3, C64 at
     * SIZE/2, C128 at SIZE/4, batch 2, stride 1; for these lines "GBps" is GFLOP/s (the FLOPs are passed as the bytes).
     */
    private static void convolutions(CudaBackend gpu, Random rnd, int size) {
        ConvGeometry g = ConvGeometry.same(new int[] {3, 3, 3}, new int[] {1, 1, 1});
        for (int level = 0; level < 3; level++) {
            int c = 32 << level, d = size >> level;
            Shape xs = Shape.ndhwc(2, d, d, d, c), ws = new Shape(c, 3, 3, 3, c);
            Tensor x = gpu.upload(random(rnd, (int) xs.numel()), xs),
                    dy = gpu.upload(random(rnd, (int) xs.numel()), xs);
            Tensor w = gpu.upload(random(rnd, (int) ws.numel()), ws), b = gpu.upload(random(rnd, c), new Shape(c));
            long flops = 2L * xs.numel() / c * c * 27L * c;
            String shape = "2x" + c + "x" + d + "^3 3x3x3 C" + c + "->" + c;
            for (Precision precision : Precision.values()) {
                gpu.usePrecision(precision);
                String suffix = precision == Precision.FP32 ? "" : "_" + precision.flagValue();
                report(
                        gpu,
                        "conv3d_forward" + suffix,
                        shape,
                        flops,
                        () -> gpu.conv3d(x, w, b, g).close());
                report(
                        gpu,
                        "conv3d_backward_data" + suffix,
                        shape,
                        flops,
                        () -> gpu.conv3dBackwardData(dy, w, g, xs).close());
                report(gpu, "conv3d_backward_weight" + suffix, shape, flops, () -> {
                    WeightGrads gr = gpu.conv3dBackwardWeight(x, dy, g, false);
                    gr.weight().close();
                });
            }
            gpu.usePrecision(Precision.FP32);
            for (Tensor t : new Tensor[] {x, dy, w, b}) t.close();
        }
    }

    /**
     * SwinUNETR's transformer operations at its first stage for MONAI's usual 96^3 patch and feature size 24 (batch 2:
     * a 48^3 map of 24 channels, 3 heads of 8, shifted 7^3 windows padded to 49^3). For attention "GBps" is GFLOP/s (4
     * * windows * heads * 343^2 * 8 forward, twice that backward).
     */
    private static void transformer(CudaBackend gpu, Random rnd) {
        int c = 24, heads = 3;
        SwinWindows w = new SwinWindows(2, new int[] {48, 48, 48}, 7, true);
        Shape ms = w.mapShape(c), qs = w.windowShape(3 * c), cs = new Shape(c);
        Tensor map = gpu.upload(random(rnd, (int) ms.numel()), ms),
                grad = gpu.upload(random(rnd, (int) ms.numel()), ms);
        Tensor gamma = gpu.upload(random(rnd, c), cs), beta = gpu.upload(random(rnd, c), cs);
        LayerNormOutput norm = gpu.layerNorm(map, gamma, beta, 1e-5);
        long bytes = 4 * ms.numel();
        String shape = "2x48^3x24";
        report(gpu, "layer_norm_forward", shape, 2 * bytes, () -> {
            LayerNormOutput f = gpu.layerNorm(map, gamma, beta, 1e-5);
            f.y().close();
            f.mean().close();
            f.rstd().close();
        });
        report(gpu, "layer_norm_backward", shape, 4 * bytes, () -> {
            var g = gpu.layerNormBackward(grad, map, gamma, norm);
            g.dx().close();
            g.dgamma().close();
            g.dbeta().close();
        });
        report(gpu, "gelu_forward", shape, 2 * bytes, () -> gpu.gelu(map).close());
        report(
                gpu,
                "gelu_backward",
                shape,
                3 * bytes,
                () -> gpu.geluBackward(grad, map).close());
        RowGather partition = w.partition(c);
        Tensor windows = gpu.gatherRows(map, partition);
        long windowBytes = 4 * w.windowShape(c).numel();
        report(
                gpu,
                "gather_rows_forward (partition)",
                shape,
                bytes + windowBytes,
                () -> gpu.gatherRows(map, partition).close());
        report(
                gpu,
                "gather_rows_backward (partition)",
                shape,
                bytes + windowBytes,
                () -> gpu.gatherRowsBackward(windows, partition).close());
        Tensor qkv = gpu.upload(random(rnd, (int) qs.numel()), qs);
        int t = w.tokens();
        Tensor bias = gpu.upload(random(rnd, t * t * heads), new Shape(t, t, heads));
        Tensor mask = gpu.upload(w.mask(), w.maskShape());
        double scale = 1 / Math.sqrt(8);
        AttentionOutput a = gpu.windowAttention(qkv, bias, mask, heads, scale);
        Tensor dout =
                gpu.upload(random(rnd, (int) a.out().shape().numel()), a.out().shape());
        long flops = 4L * w.windows() * heads * t * t * 8;
        String ashape = w.windows() + " windows x " + heads + " heads x 343 tokens x 8";
        report(gpu, "window_attention_forward", ashape, flops, () -> {
            AttentionOutput f = gpu.windowAttention(qkv, bias, mask, heads, scale);
            f.out().close();
            f.probabilities().close();
        });
        report(gpu, "window_attention_backward", ashape, 2 * flops, () -> {
            var g = gpu.windowAttentionBackward(dout, qkv, a, heads, scale);
            g.dqkv().close();
            g.dbias().close();
        });
        for (Tensor x :
                new Tensor[] {map, grad, gamma, beta, windows, qkv, bias, mask, dout, a.out(), a.probabilities()})
            x.close();
    }

    private static void release(GroupNormOutput f) {
        f.y().close();
        f.mean().close();
        f.rstd().close();
    }

    private static void report(CudaBackend gpu, String op, String shape, long bytes, Runnable work) {
        for (int i = 0; i < 3; i++) work.run();
        gpu.synchronize();
        double[] ms = new double[7];
        for (int r = 0; r < ms.length; r++) {
            ms[r] = gpu.time(() -> {
                        for (int i = 0; i < 10; i++) work.run();
                    })
                    / 10.0;
        }
        Arrays.sort(ms);
        double med = ms[ms.length / 2];
        System.out.printf(
                "{\"engine\": \"backsplit\", \"op\": \"%s\", \"shape\": \"%s\", \"ms\": %.4f, \"GBps\": %.0f, \"device\": \"%s\"}%n",
                op, shape, med, bytes / med / 1e6, gpu.deviceName());
    }

    static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }
}
