package org.backsplit.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.Initialization;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;
import org.junit.jupiter.api.Test;

/** Tile positions as nnU-Net computes them; stitching gives back what the tiles say, in the input's geometry. */
class SlidingWindowTest {

    /** Returns its input as logits: stitching must reproduce the image exactly, mirrored or not. */
    private record Identity(int classes) implements TilePredictor {
        @Override
        public float[] predict(float[] channelsLast, int[] tile) {
            return channelsLast.clone();
        }
    }

    /** The same logits everywhere. */
    private record Constant(float[] values) implements TilePredictor {
        @Override
        public int classes() {
            return values.length;
        }

        @Override
        public float[] predict(float[] channelsLast, int[] tile) {
            float[] out = new float[tile[0] * tile[1] * tile[2] * values.length];
            for (int i = 0; i < out.length; i++) out[i] = values[i % values.length];
            return out;
        }
    }

    /** Its logit is the voxel's x position inside the tile: not mirror-symmetric, so mirroring shows. */
    private record PositionInTile() implements TilePredictor {
        @Override
        public int classes() {
            return 1;
        }

        @Override
        public float[] predict(float[] channelsLast, int[] tile) {
            float[] out = new float[tile[0] * tile[1] * tile[2]];
            for (int i = 0; i < out.length; i++) out[i] = i % tile[0];
            return out;
        }
    }

    @Test
    void mirroringAveragesEachAxisBothWays() {
        int[] dims = {10, 6, 6}, tile = {6, 6, 6};
        float[] out =
                SlidingWindow.predict(new PositionInTile(), new float[][] {new float[360]}, dims, tile, 0.5, true);
        for (float v : out) assertEquals(2.5f, v, 1e-5, "x and 5 - x averaged"); // (tile - 1) / 2
        float[] plain =
                SlidingWindow.predict(new PositionInTile(), new float[][] {new float[360]}, dims, tile, 0.5, false);
        assertEquals(0f, plain[0], 1e-6, "the image corner is seen only by the first tile's corner");
        assertEquals(5f, plain[9], 1e-6, "and the far x corner only by the last tile's");
    }

    /**
     * A one-slice tile (the 2D U-Net) is mirrored in-plane only: 4 forwards per tile, not 8; the average stays exact.
     */
    @Test
    void aOneSliceTileIsMirroredInPlaneOnly() {
        int[] calls = {0};
        TilePredictor counting = new TilePredictor() {
            @Override
            public int classes() {
                return 1;
            }

            @Override
            public float[] predict(float[] channelsLast, int[] tile) {
                calls[0]++;
                return channelsLast.clone();
            }
        };
        float[] image = new float[6 * 6 * 3];
        for (int i = 0; i < image.length; i++) image[i] = i;
        float[] out = SlidingWindow.predict(
                counting, new float[][] {image}, new int[] {6, 6, 3}, new int[] {6, 6, 1}, 0.5, true);
        assertEquals(3 * 4, calls[0], "3 slices, each once, x 4 in-plane mirrorings");
        for (int i = 0; i < image.length; i++) assertEquals(image[i], out[i], 1e-4);
        calls[0] = 0;
        SlidingWindow.predict(counting, new float[][] {image}, new int[] {6, 6, 3}, new int[] {6, 6, 3}, 0.5, true);
        assertEquals(8, calls[0], "a 3D tile: all 8");
    }

    @Test
    void anEnsembleStitchesToTheMeanOfItsMembers() {
        int[] dims = {13, 9, 5}, tile = {8, 8, 4};
        Random rnd = new Random(8);
        float[][] img = new float[2][13 * 9 * 5];
        for (float[] ch : img) for (int i = 0; i < ch.length; i++) ch[i] = (float) rnd.nextGaussian();
        TilePredictor a = new Identity(2), b = new Constant(new float[] {1f, -1f});
        float[] both = SlidingWindow.predict(new EnsemblePredictor(List.of(a, b)), img, dims, tile, 0.5, true);
        for (int i = 0; i < both.length; i++) {
            float expected = (img[i % 2][i / 2] + (i % 2 == 0 ? 1f : -1f)) / 2;
            assertEquals(expected, both[i], 1e-5);
        }
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> new EnsemblePredictor(List.of(a, new Constant(new float[] {1f, 2f, 3f}))));
    }

    @Test
    void tileStartsFollowNnUNet() {
        assertArrayEquals(new int[] {0, 18, 36}, SlidingWindow.starts(100, 64, 0.5));
        assertArrayEquals(new int[] {0}, SlidingWindow.starts(64, 64, 0.5));
        assertArrayEquals(new int[] {0, 1}, SlidingWindow.starts(65, 64, 0.5));
        assertArrayEquals(new int[] {0, 2, 3}, SlidingWindow.starts(7, 4, 0.5));
        assertArrayEquals(
                new int[] {0, 2, 5}, SlidingWindow.starts(9, 4, 1.0), "2.5 rounds half to even, as Python's round");
    }

    @Test
    void gaussianIsOneAtTheCentreAndSampledExactly() {
        float[] g = SlidingWindow.gaussian(new int[] {8, 4, 6});
        assertEquals(1f, g[(3 * 4 + 2) * 8 + 4]);
        double sx = 1, sy = 0.5, sz = 0.75; // tile / 8
        double expected = Math.exp(-0.5 * (16 / (sx * sx) + 4 / (sy * sy) + 9 / (sz * sz)));
        assertEquals(expected, g[0], 1e-6 * expected);
    }

    @Test
    void identityTilesGiveTheImageBackForAnySizeWithAndWithoutMirroring() {
        Random rnd = new Random(2);
        int[] tile = {8, 6, 4};
        for (int[] dims : new int[][] {{5, 3, 2}, {8, 6, 4}, {21, 13, 9}, {8, 17, 3}}) {
            int v = dims[0] * dims[1] * dims[2];
            float[][] img = new float[2][v];
            for (float[] ch : img) for (int i = 0; i < v; i++) ch[i] = (float) rnd.nextGaussian();
            for (boolean mirror : new boolean[] {false, true}) {
                float[] out = SlidingWindow.predict(new Identity(2), img, dims, tile, 0.5, mirror);
                assertEquals(2 * v, out.length);
                for (int i = 0; i < v; i++)
                    for (int c = 0; c < 2; c++) {
                        assertEquals(
                                img[c][i],
                                out[i * 2 + c],
                                1e-5,
                                "dims " + java.util.Arrays.toString(dims) + " mirror " + mirror);
                    }
            }
        }
    }

    @Test
    void aConstantNetworkStitchesToThatConstant() {
        int[] dims = {19, 11, 7};
        float[] out = SlidingWindow.predict(
                new Constant(new float[] {0.25f, -3f, 7f}),
                new float[][] {new float[19 * 11 * 7]},
                dims,
                new int[] {8, 8, 4},
                0.5,
                true);
        for (int i = 0; i < out.length; i++) {
            float expected = i % 3 == 0 ? 0.25f : i % 3 == 1 ? -3f : 7f;
            assertEquals(expected, out[i], 1e-6 * Math.abs(expected), "float sums of weighted logits: a few ulps");
        }
    }

    @Test
    void oneTileWithoutMirroringIsTheNetworksOwnForward() {
        CpuBackend cpu = new CpuBackend(2);
        SegmentationNetwork net = Architecture.UNET.build(cpu, UNetPlan.isotropic(1, 3, 3, 4, 16));
        Initialization.he(net.backend(), net.parameters(), new Rng(9), 0.01);
        Random rnd = new Random(5);
        float[] img = new float[8 * 8 * 8];
        for (int i = 0; i < img.length; i++) img[i] = (float) rnd.nextGaussian();
        List<Tensor> direct = net.forward(cpu.upload(img, Shape.ndhwc(1, 8, 8, 8, 1)));
        float[] expected = cpu.download(direct.get(0));
        net.release();
        float[] out = SlidingWindow.predict(
                new NetworkPredictor(net), new float[][] {img}, new int[] {8, 8, 8}, new int[] {8, 8, 8}, 0.5, false);
        for (int i = 0; i < out.length; i++) assertEquals(expected[i], out[i], 1e-5 * (1 + Math.abs(expected[i])));
    }

    /**
     * The network runs a tile's mirror images as one batch; every sample of a batch is computed as alone, so the
     * mirrored prediction is bit for bit the one that asks for one image at a time. Checked on both sides of the batch
     * budget (a tile whose 8 images exceed it is split into batches).
     */
    @Test
    void mirrorImagesAsOneBatchEqualOneAtATime() {
        CpuBackend cpu = new CpuBackend(2);
        SegmentationNetwork net = Architecture.UNET.build(cpu, UNetPlan.isotropic(2, 3, 3, 4, 16));
        Initialization.he(net.backend(), net.parameters(), new Rng(9), 0.01);
        NetworkPredictor batched = new NetworkPredictor(net);
        TilePredictor oneAtATime = new TilePredictor() { // the interface's own predictAll: one forward per image
                    @Override
                    public int classes() {
                        return batched.classes();
                    }

                    @Override
                    public float[] predict(float[] channelsLast, int[] tile) {
                        return batched.predict(channelsLast, tile);
                    }
                };
        Random rnd = new Random(6);
        for (int[] tile : new int[][] {{8, 12, 8}, {64, 64, 32}}) {
            int[] dims = {tile[0] + 3, tile[1] + 2, tile[2]};
            float[][] img = new float[2][dims[0] * dims[1] * dims[2]];
            for (float[] ch : img) for (int i = 0; i < ch.length; i++) ch[i] = (float) rnd.nextGaussian();
            float[] expected = SlidingWindow.predict(oneAtATime, img, dims, tile, 0.5, true);
            float[] out = SlidingWindow.predict(batched, img, dims, tile, 0.5, true);
            assertArrayEquals(expected, out, "tile " + java.util.Arrays.toString(tile));
        }
    }
}
