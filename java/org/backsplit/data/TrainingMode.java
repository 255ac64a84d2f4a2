package org.backsplit.data;

/**
 * How one dataset's labels become training classes (the paper's comparisons): BackSplit keeps the auxiliary structures
 * as classes of their own; binary folds them into background (the baseline); virtual folds them into background too but
 * gives the network one extra output class that no voxel carries (the paper's §I).
 */
public enum TrainingMode {
    BACKSPLIT,
    BINARY,
    VIRTUAL;

    public static TrainingMode parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "backsplit" -> BACKSPLIT;
            case "binary" -> BINARY;
            case "virtual" -> VIRTUAL;
            default ->
                throw new IllegalArgumentException("--mode must be backsplit, binary or virtual, not '" + s + "'");
        };
    }
}
