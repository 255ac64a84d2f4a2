package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.backsplit.data.preprocess.Resampling;
import org.backsplit.data.preprocess.Resampling.Order;
import org.junit.jupiter.api.Test;

class ResamplingTest {
    private static final Order[] CUBIC = {Order.CUBIC, Order.CUBIC, Order.CUBIC};

    /**
     * Against scipy.ndimage.zoom(order=3, mode='nearest', grid_mode=True), which is scikit-image's resize as nnU-Net
     * calls it (tests/fixtures/make_resampling_fixture.py).
     */
    @Test
    void cubicMatchesScipy() throws Exception {
        for (JsonNode c : new ObjectMapper()
                .readTree(Path.of("tests/resources/cubic_resampling.json").toFile())) {
            int[] dims = new int[3], nd = new int[3];
            for (int a = 0; a < 3; a++) {
                dims[a] = c.get("dims").get(a).asInt();
                nd[a] = c.get("new").get(a).asInt();
            }
            float[] data = new float[c.get("data").size()];
            for (int i = 0; i < data.length; i++)
                data[i] = (float) c.get("data").get(i).asDouble();
            float[] out = Resampling.resize(data, dims, nd, CUBIC);
            for (int i = 0; i < out.length; i++) {
                assertEquals(c.get("expected").get(i).asDouble(), out[i], 2e-6, "voxel " + i + " of " + c.get("dims"));
            }
        }
    }

    @Test
    void sameSizeIsTheIdentityAndConstantsStayConstant() {
        float[] v = {3, -1, 4, 1, -5, 9, 2, 6};
        for (Order o : Order.values()) {
            assertArrayEquals(
                    v, Resampling.resize(v, new int[] {8, 1, 1}, new int[] {8, 1, 1}, new Order[] {o, o, o}), 1e-6f);
            float[] c = Resampling.resize(
                    new float[] {2, 2, 2, 2, 2}, new int[] {5, 1, 1}, new int[] {13, 1, 1}, new Order[] {o, o, o});
            for (float x : c) assertEquals(2f, x, 1e-6f);
        }
    }

    @Test
    void linearAndNearestByHand() {
        // 4 -> 2: centres at 0.5 and 2.5
        assertArrayEquals(
                new float[] {1.5f, 3.5f},
                Resampling.resize(new float[] {1, 2, 3, 4}, new int[] {4, 1, 1}, new int[] {2, 1, 1}, new Order[] {
                    Order.LINEAR, Order.LINEAR, Order.LINEAR
                }),
                1e-6f);
        // 2 -> 4: sources -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1)
        assertArrayEquals(
                new float[] {1, 1.25f, 1.75f, 2},
                Resampling.resize(new float[] {1, 2}, new int[] {2, 1, 1}, new int[] {4, 1, 1}, new Order[] {
                    Order.LINEAR, Order.LINEAR, Order.LINEAR
                }),
                1e-6f);
        assertArrayEquals(
                new float[] {1, 1, 2, 2},
                Resampling.resize(new float[] {1, 2}, new int[] {2, 1, 1}, new int[] {4, 1, 1}, new Order[] {
                    Order.NEAREST, Order.NEAREST, Order.NEAREST
                }),
                0f);
    }

    @Test
    void labelsPerLabelLinearWithAThreshold() {
        // labels 0 0 2 2 2 1 -> 3 voxels sampled at 0.5, 2.5, 4.5. Label by label, ascending: 0's mask gives 1, 0, 0;
        // 1's gives 0, 0, 0.5 (>= 0.5: voxel 2 becomes 1); 2's gives 0, 1, 0.5 (voxels 1 and 2 become 2, the later
        // label wins)
        float[] out = Resampling.labels(
                new float[] {0, 0, 2, 2, 2, 1},
                new int[] {6, 1, 1},
                new int[] {3, 1, 1},
                new double[] {1, 1, 1},
                new double[] {2, 1, 1});
        assertArrayEquals(new float[] {0, 2, 2}, out);
    }

    @Test
    void anisotropicSpacingResamplesItsAxisSeparately() {
        assertEquals(2, Resampling.separateAxis(new double[] {0.8, 0.8, 3.0}));
        assertEquals(-1, Resampling.separateAxis(new double[] {1.0, 1.0, 2.9}));
        // two axes share the largest spacing: nnU-Net resamples all three together
        assertEquals(-1, Resampling.separateAxis(new double[] {0.24, 1.25, 1.25}));
        // the spacing resampled from decides first, else the one resampled to
        assertEquals(0, Resampling.separateAxis(new double[] {3.5, 1, 1}, new double[] {1, 1, 4}));
        assertEquals(2, Resampling.separateAxis(new double[] {1, 1, 1}, new double[] {1, 1, 4}));
        // along the separate axis values are copied (nearest), never blended
        float[] v = {0, 10};
        float[] out = Resampling.image(
                v, new int[] {1, 1, 2}, new int[] {1, 1, 5}, new double[] {0.8, 0.8, 3.0}, new double[] {0.8, 0.8, 1.2
                });
        for (float x : out) assertEquals(true, x == 0 || x == 10, "value " + x);
    }
}
