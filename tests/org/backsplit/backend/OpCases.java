package org.backsplit.backend;

import java.util.List;
import org.backsplit.tensor.Shape;

/** The shapes every backend op is checked on: odd sizes, stride 2, anisotropic kernels, batch 1 and 2. */
public final class OpCases {
    private OpCases() {}

    public record Conv(String name, Shape x, int k, int[] kernel, int[] stride) {
        public ConvGeometry geometry() {
            return ConvGeometry.same(kernel, stride);
        }

        public Shape weight() {
            return new Shape(k, kernel[0], kernel[1], kernel[2], x.c());
        }

        @Override
        public String toString() {
            return name + " " + x;
        }
    }

    public record Transposed(String name, Shape x, int co, int[] stride) {
        public Shape weight() {
            return new Shape(x.c(), stride[0], stride[1], stride[2], co);
        }

        @Override
        public String toString() {
            return name + " " + x;
        }
    }

    /** Small enough for finite differences on every element of the weights. */
    public static final List<Conv> SMALL_CONVS = List.of(
            new Conv("3x3x3 stride 1, odd sizes", Shape.ndhwc(1, 5, 6, 7, 3), 4, new int[] {3, 3, 3}, new int[] {1, 1, 1
            }),
            new Conv(
                    "3x3x3 stride 2, batch 2", Shape.ndhwc(2, 7, 5, 6, 2), 3, new int[] {3, 3, 3}, new int[] {2, 2, 2}),
            new Conv("1x3x3 stride 1x2x2 (anisotropic)", Shape.ndhwc(1, 3, 7, 6, 3), 2, new int[] {1, 3, 3}, new int[] {
                1, 2, 2
            }),
            new Conv("3x3x3 stride 2x1x2", Shape.ndhwc(2, 5, 4, 5, 2), 3, new int[] {3, 3, 3}, new int[] {2, 1, 2}),
            new Conv("1x1x1 head", Shape.ndhwc(2, 4, 3, 5, 5), 3, new int[] {1, 1, 1}, new int[] {1, 1, 1}));

    /** Realistic channel counts for the float kernels: vector tails (40), one input channel, a wide layer. */
    public static final List<Conv> WIDE_CONVS = List.of(
            new Conv("C1->32 3x3x3", Shape.ndhwc(2, 9, 8, 7, 1), 32, new int[] {3, 3, 3}, new int[] {1, 1, 1}),
            new Conv(
                    "C32->40 3x3x3 stride 2", Shape.ndhwc(1, 9, 10, 11, 32), 40, new int[] {3, 3, 3}, new int[] {2, 2, 2
                    }),
            new Conv("C40->32 1x3x3", Shape.ndhwc(2, 3, 9, 9, 40), 32, new int[] {1, 3, 3}, new int[] {1, 1, 1}),
            new Conv("C64->3 1x1x1", Shape.ndhwc(2, 6, 7, 5, 64), 3, new int[] {1, 1, 1}, new int[] {1, 1, 1}),
            new Conv(
                    "C320->320 3x3x3 at 3^3", Shape.ndhwc(1, 3, 3, 3, 320), 320, new int[] {3, 3, 3}, new int[] {1, 1, 1
                    }),
            // channel-aligned (the GPU's vectorised kernels): 256-row tiles, taps at every border, voxel slices
            new Conv(
                    "C32->32 3x3x3, aligned, many tiles",
                    Shape.ndhwc(2, 12, 12, 12, 32),
                    32,
                    new int[] {3, 3, 3},
                    new int[] {1, 1, 1}),
            new Conv(
                    "C16->48 1x3x3, aligned, anisotropic",
                    Shape.ndhwc(1, 4, 10, 9, 16),
                    48,
                    new int[] {1, 3, 3},
                    new int[] {1, 1, 1}),
            // a segmentation head: aligned forward and weight gradient with only 4 output columns
            new Conv("C32->4 1x1x1 head, aligned", Shape.ndhwc(2, 5, 6, 7, 32), 4, new int[] {1, 1, 1}, new int[] {
                1, 1, 1
            }),
            // strided and aligned: backward data by stride phases of unequal sizes, with every tap count per phase
            new Conv(
                    "C32->48 3x3x3 stride 2, aligned",
                    Shape.ndhwc(2, 9, 8, 11, 32),
                    48,
                    new int[] {3, 3, 3},
                    new int[] {2, 2, 2}),
            new Conv(
                    "C16->32 1x3x3 stride 1x2x2, aligned",
                    Shape.ndhwc(1, 3, 9, 10, 16),
                    32,
                    new int[] {1, 3, 3},
                    new int[] {1, 2, 2}),
            // several GEMM tiles in every direction, and weight gradients split over voxel slices on the GPU
            new Conv("C24->72 3x3x3, many tiles", Shape.ndhwc(2, 12, 11, 13, 24), 72, new int[] {3, 3, 3}, new int[] {
                1, 1, 1
            }));

    /**
     * The CPU kernel's row blockings: outputs one vector wide (8 or 16 channels) take 8 voxels per block, 24 (the
     * weight gradient of 8 channels, 3 x-taps each) a vector and a half, each with interiors longer than a block and a
     * remainder.
     */
    public static final List<Conv> ROW_BLOCK_CONVS = List.of(
            new Conv(
                    "C8->8 3x3x3, long rows", Shape.ndhwc(1, 3, 4, 21, 8), 8, new int[] {3, 3, 3}, new int[] {1, 1, 1}),
            new Conv(
                    "C16->16 3x3x3, long rows, batch 2",
                    Shape.ndhwc(2, 3, 3, 22, 16),
                    16,
                    new int[] {3, 3, 3},
                    new int[] {1, 1, 1}),
            new Conv(
                    "C8->16 3x3x3 stride 2, long rows",
                    Shape.ndhwc(1, 4, 4, 37, 8),
                    16,
                    new int[] {3, 3, 3},
                    new int[] {2, 2, 2}));

    public static final List<Transposed> SMALL_TRANSPOSED = List.of(
            new Transposed("2x2x2, batch 2", Shape.ndhwc(2, 3, 2, 3, 3), 2, new int[] {2, 2, 2}),
            new Transposed("1x2x2 anisotropic", Shape.ndhwc(1, 3, 3, 2, 4), 3, new int[] {1, 2, 2}));

    public static final List<Transposed> WIDE_TRANSPOSED = List.of(
            new Transposed("C64->32 2x2x2", Shape.ndhwc(2, 5, 4, 3, 64), 32, new int[] {2, 2, 2}),
            new Transposed("C40->20 1x2x2", Shape.ndhwc(1, 3, 5, 5, 40), 20, new int[] {1, 2, 2}),
            new Transposed("C16->8 2x2x2, voxel slices", Shape.ndhwc(2, 8, 8, 17, 16), 8, new int[] {2, 2, 2}));

    /** Odd channel counts take the scalar loops, multiples of 8 the vector loops (one and several blocks). */
    public static final List<Shape> NORM_SHAPES = List.of(
            Shape.ndhwc(1, 3, 4, 5, 3),
            Shape.ndhwc(2, 5, 3, 3, 4),
            Shape.ndhwc(2, 17, 19, 18, 40),
            Shape.ndhwc(2, 9, 11, 13, 8),
            Shape.ndhwc(1, 21, 22, 23, 32));
}
