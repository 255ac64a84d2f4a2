package org.backsplit.bench;

import org.backsplit.backend.Precision;
import org.backsplit.backend.cuda.CudaBackend;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.UNetPlan;
import org.backsplit.train.StepTiming;

/**
 * A small case for compute-sanitizer (bench/gpu/run.sh): two training steps of a 3-stage U-Net (widths 16..64, so the
 * channel-aligned and the generic convolution kernels both run) in fp32 and in TF32 on a 20^3 patch, which leaves
 * partial tiles at every border. Every kernel a training step launches runs at least once.
 */
public final class CudaSanitizerCase {
    public static void main(String[] args) {
        UNetPlan plan = UNetPlan.isotropic(1, 3, 3, 16, 64);
        for (Precision precision : Precision.values()) {
            try (CudaBackend gpu = CudaBackend.open(precision)) {
                StepTiming.Result r = StepTiming.measure(gpu, Architecture.UNET, plan, 20, 2, 2);
                System.out.printf("%s: %s, last loss %.5f%n", precision, gpu.name(), r.loss());
                if (!Double.isFinite(r.loss())) System.exit(1);
            }
        }
    }
}
