package org.backsplit.backend;

import java.util.Arrays;
import org.backsplit.tensor.Shape;

/**
 * A gather of rows, the one operation behind SwinUNETR's data movement: row i of the target is row source[i] of the
 * source tensor, or zeros where source[i] is -1 (padding). A row is the last axis of the source (width C); the target
 * shape holds source.length * C values in any arrangement, so one target row may hold several gathered rows side by
 * side (patch merging's concatenation of eight strided slices). Window partition with padding and a cyclic shift, its
 * reverse with the crop, patch merging and the relative position bias lookup are all gathers.
 *
 * <p>The backward pass adds every target row's gradient to its source row. The inverse map (the target rows of each
 * source row, in increasing order) is built here once, so every backend sums in the same order without atomics.
 */
public final class RowGather {
    private final Shape sourceShape;
    private final Shape targetShape;
    private final int[] source;
    private final int[] inverseStart;
    private final int[] inverseRows;

    public RowGather(Shape sourceShape, Shape targetShape, int[] source) {
        int width = sourceShape.last();
        int sourceRows = (int) (sourceShape.numel() / width);
        if (targetShape.numel() != (long) source.length * width)
            throw new IllegalArgumentException("a gather of " + source.length + " rows of " + width + " into "
                    + targetShape + " (" + targetShape.numel() + " values)");
        for (int i = 0; i < source.length; i++) {
            if (source[i] < -1 || source[i] >= sourceRows)
                throw new IllegalArgumentException(
                        "row " + i + " gathers row " + source[i] + " of " + sourceRows + " (" + sourceShape + ")");
        }
        this.sourceShape = sourceShape;
        this.targetShape = targetShape;
        this.source = source.clone();
        inverseStart = new int[sourceRows + 1];
        for (int s : source) if (s >= 0) inverseStart[s + 1]++;
        for (int r = 0; r < sourceRows; r++) inverseStart[r + 1] += inverseStart[r];
        inverseRows = new int[inverseStart[sourceRows]];
        int[] next = Arrays.copyOf(inverseStart, sourceRows);
        for (int i = 0; i < source.length; i++) if (source[i] >= 0) inverseRows[next[source[i]]++] = i;
    }

    public Shape sourceShape() {
        return sourceShape;
    }

    public Shape targetShape() {
        return targetShape;
    }

    /** The row width C (the source's last axis). */
    public int width() {
        return sourceShape.last();
    }

    /** Rows gathered (the target's values / C). */
    public int rows() {
        return source.length;
    }

    public int sourceRows() {
        return inverseStart.length - 1;
    }

    /** The source row of each gathered row (-1: zeros). Not a copy: do not modify. */
    public int[] source() {
        return source;
    }

    /** Where each source row's list of gathered rows starts in {@link #inverseRows()}; sourceRows() + 1 entries. */
    public int[] inverseStart() {
        return inverseStart;
    }

    /** The gathered rows of each source row, in increasing order, source row after source row. */
    public int[] inverseRows() {
        return inverseRows;
    }
}
