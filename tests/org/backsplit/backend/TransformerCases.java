package org.backsplit.backend;

import java.util.List;
import org.backsplit.nn.PatchMerging;
import org.backsplit.nn.SwinWindows;
import org.backsplit.tensor.Shape;

/** Shapes for the transformer operations: odd sizes, batch 1 and 2, shifted and unshifted windows, shrunk windows. */
final class TransformerCases {
    private TransformerCases() {}

    record Norm(Shape shape, boolean affine) {
        @Override
        public String toString() {
            return shape + (affine ? " affine" : " plain");
        }
    }

    static final List<Norm> NORMS = List.of(
            new Norm(Shape.ndhwc(2, 3, 4, 5, 7), true),
            new Norm(Shape.ndhwc(1, 1, 3, 5, 24), false),
            new Norm(Shape.ndhwc(1, 2, 2, 3, 96), true));

    /** A block's windows: batch, map size, configured window, shifted. */
    record Windows(int n, int[] size, int window, boolean shifted, int channels, int heads) {
        SwinWindows windows() {
            return new SwinWindows(n, size, window, shifted);
        }

        @Override
        public String toString() {
            return "n" + n + " " + size[0] + "x" + size[1] + "x" + size[2] + " window " + window
                    + (shifted ? " shifted" : "") + " C" + channels + " heads " + heads;
        }
    }

    /** Small enough for finite differences: shifted with padding, unshifted, a window larger than the map. */
    static final List<Windows> SMALL_WINDOWS = List.of(
            new Windows(2, new int[] {4, 4, 3}, 3, true, 4, 2),
            new Windows(1, new int[] {5, 4, 4}, 3, false, 6, 3),
            new Windows(2, new int[] {2, 2, 2}, 3, true, 4, 1),
            new Windows(1, new int[] {4, 5, 2}, 3, true, 4, 2));

    /** MONAI's window 7: shifted with padding on two axes and a shrunk third, and a map inside one window. */
    static final List<Windows> WINDOWS = List.of(
            new Windows(1, new int[] {5, 9, 8}, 7, true, 24, 3),
            new Windows(2, new int[] {4, 4, 3}, 7, true, 12, 3),
            new Windows(2, new int[] {8, 8, 8}, 7, false, 16, 2));

    /** Every gather a block and a patch merging make of these windows. */
    static List<RowGather> gathers(Windows c) {
        SwinWindows w = c.windows();
        return List.of(
                w.partition(c.channels()),
                w.reverse(c.channels()),
                w.biasLookup(c.window(), c.heads()),
                PatchMerging.gather(w.mapShape(c.channels())));
    }
}
