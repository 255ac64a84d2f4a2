package org.backsplit.fisher;

/**
 * The Fisher traces summed over a set of voxels, and how the missing information splits over the non-target classes:
 * ratio = tr(I_Y) / tr(I_Z), the gain in curvature the auxiliary classes bring.
 */
public final class FisherSummary {
    private final double[] shares;
    private double traceY;
    private double traceZ;
    private double traceMissing;
    private long voxels;

    public FisherSummary(int classes) {
        this.shares = new double[classes];
    }

    public void add(FisherTerms.Voxel v) {
        traceY += v.traceY();
        traceZ += v.traceZ();
        traceMissing += v.traceMissing();
        for (int k = 0; k < shares.length; k++) shares[k] += v.shares()[k];
        voxels++;
    }

    /** Adds another summary's sums (over other voxels) to this one. */
    public void add(FisherSummary other) {
        if (other.shares.length != shares.length)
            throw new IllegalArgumentException("summaries over different class counts");
        traceY += other.traceY;
        traceZ += other.traceZ;
        traceMissing += other.traceMissing;
        for (int k = 0; k < shares.length; k++) shares[k] += other.shares[k];
        voxels += other.voxels;
    }

    public double traceY() {
        return traceY;
    }

    public double traceZ() {
        return traceZ;
    }

    public double traceMissing() {
        return traceMissing;
    }

    public double ratio() {
        return traceZ > 0 ? traceY / traceZ : Double.POSITIVE_INFINITY;
    }

    public long voxels() {
        return voxels;
    }

    /** Each non-target class's share of the missing information (sums to 1 over them when there is any). */
    public double[] shareFractions() {
        double[] f = new double[shares.length];
        for (int k = 0; k < f.length; k++) f[k] = traceMissing > 0 ? shares[k] / traceMissing : 0;
        return f;
    }

    /** Non-target classes by their share, largest first (the target itself excluded). */
    public int[] ranking(int target) {
        return java.util.stream.IntStream.range(0, shares.length)
                .filter(k -> k != target)
                .boxed()
                .sorted((a, b) -> Double.compare(shares[b], shares[a]))
                .mapToInt(Integer::intValue)
                .toArray();
    }
}
