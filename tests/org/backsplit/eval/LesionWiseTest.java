package org.backsplit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.backsplit.data.geometry.ConnectedComponents;
import org.junit.jupiter.api.Test;

/** Components with 26-connectivity against a flood fill; lesion-wise counts and volumes worked out by hand. */
class LesionWiseTest {

    private static int idx(int[] d, int x, int y, int z) {
        return (z * d[1] + y) * d[0] + x;
    }

    @Test
    void cornerAndEdgeContactJoinAGapSeparates() {
        int[] d = {4, 4, 4};
        boolean[] m = new boolean[64];
        m[idx(d, 0, 0, 0)] = m[idx(d, 1, 1, 1)] = true; // corner contact: one object
        m[idx(d, 3, 0, 0)] = m[idx(d, 3, 1, 1)] = true; // edge contact: one object
        m[idx(d, 0, 3, 3)] = true; // two voxels from (1,1,1): apart
        ConnectedComponents.Labels l = ConnectedComponents.label(m, d);
        assertEquals(3, l.count());
        assertEquals(l.labels()[idx(d, 0, 0, 0)], l.labels()[idx(d, 1, 1, 1)]);
        assertEquals(l.labels()[idx(d, 3, 0, 0)], l.labels()[idx(d, 3, 1, 1)]);
    }

    @Test
    void matchesAFloodFillOnRandomMasks() {
        Random rnd = new Random(4);
        for (int[] d : new int[][] {{7, 5, 3}, {1, 9, 4}, {12, 11, 10}, {16, 1, 1}}) {
            for (double p : new double[] {0.1, 0.3, 0.6}) {
                boolean[] m = new boolean[d[0] * d[1] * d[2]];
                for (int i = 0; i < m.length; i++) m[i] = rnd.nextDouble() < p;
                ConnectedComponents.Labels l = ConnectedComponents.label(m, d);
                int[] flood = floodFill(m, d);
                int count = 0;
                Map<Integer, Integer> map = new HashMap<>(); // the two labellings are one partition
                for (int i = 0; i < m.length; i++) {
                    assertEquals(m[i], l.labels()[i] > 0);
                    if (!m[i]) continue;
                    Integer prev = map.putIfAbsent(flood[i], l.labels()[i]);
                    if (prev == null) count++;
                    else assertEquals(prev, l.labels()[i]);
                }
                assertEquals(count, l.count(), "dims " + java.util.Arrays.toString(d) + " p " + p);
                assertEquals(count, map.values().stream().distinct().count());
            }
        }
    }

    private static int[] floodFill(boolean[] m, int[] d) {
        int[] lab = new int[m.length];
        int next = 0;
        for (int s = 0; s < m.length; s++) {
            if (!m[s] || lab[s] != 0) continue;
            lab[s] = ++next;
            ArrayDeque<Integer> q = new ArrayDeque<>();
            q.add(s);
            while (!q.isEmpty()) {
                int i = q.poll(), x = i % d[0], y = (i / d[0]) % d[1], z = i / (d[0] * d[1]);
                for (int dz = -1; dz <= 1; dz++)
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++) {
                            int xx = x + dx, yy = y + dy, zz = z + dz;
                            if (xx < 0 || yy < 0 || zz < 0 || xx >= d[0] || yy >= d[1] || zz >= d[2]) continue;
                            int j = idx(d, xx, yy, zz);
                            if (m[j] && lab[j] == 0) {
                                lab[j] = next;
                                q.add(j);
                            }
                        }
            }
        }
        return lab;
    }

    @Test
    void countsLesionsAndVolumesAsWorkedOutByHand() {
        int[] d = {10, 10, 10};
        double[] spacing = {0.5, 1.0, 2.0}; // 1 mm^3 per voxel = 0.001 ml
        boolean[] ref = new boolean[1000], pred = new boolean[1000];
        box(ref, d, 0, 0, 0, 3); // lesion A: 27 voxels
        box(ref, d, 6, 6, 6, 2); // lesion B: 8 voxels
        ref[idx(d, 9, 0, 9)] = true; // lesion C: 1 voxel, missed
        pred[idx(d, 2, 2, 2)] = true; // touches A
        box(pred, d, 7, 7, 7, 2); // overlaps B in one voxel, 8 voxels
        box(pred, d, 0, 7, 0, 2); // false positive, 8 voxels
        pred[idx(d, 5, 0, 5)] = pred[idx(d, 6, 1, 6)] = true; // one false positive of 2 voxels joined at a corner
        LesionWise lw = LesionWise.of(pred, ref, d, spacing);
        assertEquals(new LesionWise(2, 1, 2, 2, 0.010, 0.001), roundVolumes(lw));
        assertEquals(2.0 / 3, lw.recall(), 1e-12);
        assertEquals(0.5, lw.precision(), 1e-12);
        assertEquals(2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5), lw.f1(), 1e-12);
    }

    @Test
    void emptyMasksGiveUndefinedRatesNotZeros() {
        int[] d = {3, 3, 3};
        LesionWise none = LesionWise.of(new boolean[27], new boolean[27], d, new double[] {1, 1, 1});
        assertTrue(Double.isNaN(none.recall()) && Double.isNaN(none.precision()) && Double.isNaN(none.f1()));
        boolean[] ref = new boolean[27];
        ref[13] = true;
        LesionWise missed = LesionWise.of(new boolean[27], ref, d, new double[] {2, 2, 2});
        assertEquals(0.0, missed.recall());
        assertEquals(0.008, missed.falseNegativeMl(), 1e-15);
        assertTrue(Double.isNaN(missed.precision()));
        assertEquals(0.0, missed.f1(), "every lesion missed: F1 0, not undefined");
        LesionWise falseAlarm = LesionWise.of(ref, new boolean[27], d, new double[] {2, 2, 2});
        assertEquals(0.0, falseAlarm.f1(), "every prediction false: F1 0");
    }

    private static LesionWise roundVolumes(LesionWise l) {
        return new LesionWise(
                l.truePositiveLesions(),
                l.falseNegativeLesions(),
                l.truePositivePredictions(),
                l.falsePositiveLesions(),
                Math.round(l.falsePositiveMl() * 1e6) / 1e6,
                Math.round(l.falseNegativeMl() * 1e6) / 1e6);
    }

    private static void box(boolean[] m, int[] d, int x0, int y0, int z0, int n) {
        for (int z = z0; z < z0 + n; z++)
            for (int y = y0; y < y0 + n; y++) for (int x = x0; x < x0 + n; x++) m[idx(d, x, y, z)] = true;
    }
}
