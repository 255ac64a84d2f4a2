package org.backsplit.data.patch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.util.Rng;

/**
 * One preprocessed training case in memory: channels and training labels (x fastest, dims {nx, ny, nz}), and, per
 * foreground class, up to 10,000 voxel positions where it occurs (nnU-Net's class_locations, sampled with a fixed seed
 * so they are the same in every run).
 */
public record PreparedCase(
        String id, float[][] channels, float[] labels, int[] dims, Map<Integer, int[]> classLocations) {
    static final int MAX_LOCATIONS = 10_000;

    public static PreparedCase of(String id, float[][] channels, float[] labels, int[] dims, int[] foregroundClasses) {
        Map<Integer, int[]> locations = new LinkedHashMap<>();
        for (int c : foregroundClasses) {
            List<Integer> where = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) if (labels[i] == c) where.add(i);
            int[] all = where.stream().mapToInt(Integer::intValue).toArray();
            if (all.length > MAX_LOCATIONS) { // a fixed-seed partial shuffle: the same sample every run
                Rng rng = new Rng(c * 1_000_003L + id.hashCode());
                for (int i = 0; i < MAX_LOCATIONS; i++) {
                    int j = i + rng.nextInt(all.length - i);
                    int t = all[i];
                    all[i] = all[j];
                    all[j] = t;
                }
                all = java.util.Arrays.copyOf(all, MAX_LOCATIONS);
            }
            locations.put(c, all);
        }
        return new PreparedCase(id, channels, labels, dims, locations);
    }
}
