package anchor;

import static org.bytedeco.pytorch.global.torch.*;

import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Tensor;

/**
 * Whole-volume sliding-window prediction in PyTorch/libtorch 2.10 on the CPU (the TorchScript module from
 * make_sliding_window.py), in inference mode: without mirroring, with 8-way mirroring as nnU-Net runs it (one tile
 * image after the other, batch 1), and with the 8 mirror images of a tile as one batch of 8 (PyTorch's 3D
 * convolutions leave oneDNN for a slow im2col path at batch 1, so this is PyTorch's faster way). Best of REPEATS
 * after a warm-up per batch size (the one-at-a-time mirrored run: once). The graph executor's optimisation is off, as in the shared training-step harness:
 * every op runs through the dispatcher as in the eager Python that nnU-Net runs.
 *
 * Usage: SlidingWindowTorch MODEL.pt THREADS REPEATS. Prints one JSON line per setting on stdout.
 */
public final class SlidingWindowTorch {
    public static void main(String[] args) {
        String path = args[0];
        int threads = Integer.parseInt(args[1]);
        int repeats = Integer.parseInt(args[2]);
        set_num_threads(threads);
        setGraphExecutorOptimize(false);
        JitModule m = load(path);
        m.eval();
        Tensor image = m.attr("image").toTensor();
        long voxels = image.numel();
        String[] names = {"network, no mirroring", "network, 8-way mirroring as one batch of 8", "network, 8-way mirroring"};
        int[] mirrors = {0, 7, 7};
        boolean[] batched = {false, true, false};
        try (InferenceMode guard = new InferenceMode()) {
            for (int k = 0; k < names.length; k++) {
                // one warm-up per batch size; the mirrored run at batch 1 (8 unmirrored runs' work, minutes on 2
                // cores) reuses the unmirrored run's warm-up and runs once
                boolean slow = k == 2;
                double best = Double.POSITIVE_INFINITY;
                for (int r = slow ? 1 : 0; r <= (slow ? 1 : repeats); r++) {
                    long t0 = System.nanoTime();
                    try (PointerScope scope = new PointerScope()) {
                        m.forward(new IValueVector(new IValue(image), new IValue(mirrors[k]), new IValue(batched[k])));
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    System.err.printf(Locale.ROOT, "# %s, run %d%s: %.3f s%n", names[k], r, r == 0 ? " (warm-up)" : "", s);
                    if (r > 0) best = Math.min(best, s);
                }
                System.out.printf(Locale.ROOT,
                        "{\"what\": \"%s\", \"backend\": \"PyTorch 2.10 CPU (libtorch, JavaCPP), %d threads\", \"at_get_num_threads\": %d, "
                                + "\"best_s\": %.3f, \"voxels_per_s\": %.0f}%n",
                        names[k], threads, get_num_threads(), best, voxels / best);
            }
        }
    }
}
