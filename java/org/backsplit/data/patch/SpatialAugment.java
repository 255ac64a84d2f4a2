package org.backsplit.data.patch;

import org.backsplit.util.Rng;

/**
 * nnU-Net's spatial augmentation: with probability 0.2 a rotation about each axis by up to 30 degrees, with probability
 * 0.2 one scale factor in [0.7, 1.4] for all axes. The loader cuts a larger patch around the sample point (large enough
 * for the rotated patch at scale 0.85, as nnU-Net's get_patch_size sizes it), and this maps each output voxel through
 * the rotation and scaling into it: images trilinear, labels nearest, 0 and -1 outside. Without rotation or scaling it
 * is a centre crop. A 2D patch (depth 1) is rotated in its plane only, as nnU-Net's 2D configuration does: by up to 180
 * degrees, or 15 when the patch is elongated (one side more than 1.5 times the other).
 */
public final class SpatialAugment {
    static final double MAX_ANGLE = Math.toRadians(30);
    static final double P_ROTATION = 0.2;
    static final double P_SCALING = 0.2;

    private final int[] patch;
    private final int[] initial;
    private final boolean planar;

    public SpatialAugment(int[] patch) {
        this.patch = patch.clone();
        this.initial = initialSize(patch);
        this.planar = patch[2] == 1;
    }

    /** The largest rotation per axis: 30 degrees in 3D; in-plane only for a 2D patch, as nnU-Net's 2D configuration. */
    static double maxAngle(int[] patch) {
        if (patch[2] != 1) return MAX_ANGLE;
        return Math.max(patch[0], patch[1]) > 1.5 * Math.min(patch[0], patch[1]) ? Math.toRadians(15) : Math.PI;
    }

    /** The patch to cut: the bounding box of the final patch rotated as far as {@link #apply} may, over 0.85. */
    public static int[] initialSize(int[] patch) {
        double[] ext = new double[3];
        double max = maxAngle(patch);
        double[] angles = {-max, 0, max};
        double[] inPlane =
                new double[73]; // a 2D patch turns about z only; its widest extent may lie between the end angles
        for (int i = 0; i < inPlane.length; i++) inPlane[i] = -max + 2 * max * i / (inPlane.length - 1);
        boolean planar = patch[2] == 1;
        for (double ax : planar ? new double[] {0} : angles)
            for (double ay : planar ? new double[] {0} : angles)
                for (double az : planar ? inPlane : angles) {
                    double[][] r = rotation(ax, ay, az);
                    for (int corner = 0; corner < 8; corner++) {
                        double[] p = new double[3];
                        for (int a = 0; a < 3; a++) p[a] = ((corner >> a & 1) == 0 ? -0.5 : 0.5) * patch[a];
                        for (int a = 0; a < 3; a++)
                            ext[a] = Math.max(ext[a], Math.abs(r[a][0] * p[0] + r[a][1] * p[1] + r[a][2] * p[2]));
                    }
                }
        int[] size = new int[3];
        for (int a = 0; a < 3; a++) size[a] = Math.max(patch[a], (int) Math.ceil(2 * ext[a] / 0.85));
        if (planar) size[2] = 1; // a 2D patch is cut from its own slice: nothing to blend along z
        return size;
    }

    public int[] initial() {
        return initial.clone();
    }

    /** Channels and labels of the final patch from those of the initial one (the last array is the labels). */
    public float[][] apply(float[][] cut, Rng rng) {
        boolean rotate = rng.nextDouble() < P_ROTATION, scale = rng.nextDouble() < P_SCALING;
        double ax = 0, ay = 0, az = 0, s = 1;
        if (rotate && planar) {
            az = (2 * rng.nextDouble() - 1) * maxAngle(patch);
        } else if (rotate) {
            ax = (2 * rng.nextDouble() - 1) * MAX_ANGLE;
            ay = (2 * rng.nextDouble() - 1) * MAX_ANGLE;
            az = (2 * rng.nextDouble() - 1) * MAX_ANGLE;
        }
        if (scale) s = 0.7 + 0.7 * rng.nextDouble();
        return transform(cut, rotation(ax, ay, az), s, rotate || scale);
    }

    float[][] transform(float[][] cut, double[][] r, double s, boolean interpolate) {
        int channels = cut.length - 1, n = patch[0] * patch[1] * patch[2];
        float[][] out = new float[cut.length][n];
        java.util.Arrays.fill(out[channels], -1f);
        double[] ci = {(initial[0] - 1) / 2.0, (initial[1] - 1) / 2.0, (initial[2] - 1) / 2.0};
        double[] co = {(patch[0] - 1) / 2.0, (patch[1] - 1) / 2.0, (patch[2] - 1) / 2.0};
        for (int z = 0, o = 0; z < patch[2]; z++)
            for (int y = 0; y < patch[1]; y++)
                for (int x = 0; x < patch[0]; x++, o++) {
                    double[] c = {(x - co[0]) * s, (y - co[1]) * s, (z - co[2]) * s};
                    double px = r[0][0] * c[0] + r[0][1] * c[1] + r[0][2] * c[2] + ci[0];
                    double py = r[1][0] * c[0] + r[1][1] * c[1] + r[1][2] * c[2] + ci[1];
                    double pz = r[2][0] * c[0] + r[2][1] * c[1] + r[2][2] * c[2] + ci[2];
                    if (!interpolate) { // a centre crop: exact copies
                        int src = ((int) Math.round(pz) * initial[1] + (int) Math.round(py)) * initial[0]
                                + (int) Math.round(px);
                        for (int k = 0; k <= channels; k++) out[k][o] = cut[k][src];
                        continue;
                    }
                    long nx = Math.round(px), ny = Math.round(py), nz = Math.round(pz);
                    if (nx >= 0 && ny >= 0 && nz >= 0 && nx < initial[0] && ny < initial[1] && nz < initial[2]) {
                        out[channels][o] = cut[channels][(int) ((nz * initial[1] + ny) * initial[0] + nx)];
                    }
                    for (int k = 0; k < channels; k++) out[k][o] = trilinear(cut[k], px, py, pz);
                }
        return out;
    }

    private float trilinear(float[] v, double x, double y, double z) {
        int x0 = (int) Math.floor(x), y0 = (int) Math.floor(y), z0 = (int) Math.floor(z);
        double fx = x - x0, fy = y - y0, fz = z - z0, acc = 0;
        for (int dz = 0; dz <= 1; dz++)
            for (int dy = 0; dy <= 1; dy++)
                for (int dx = 0; dx <= 1; dx++) {
                    int xi = x0 + dx, yi = y0 + dy, zi = z0 + dz;
                    if (xi < 0 || yi < 0 || zi < 0 || xi >= initial[0] || yi >= initial[1] || zi >= initial[2])
                        continue;
                    double w = (dx == 1 ? fx : 1 - fx) * (dy == 1 ? fy : 1 - fy) * (dz == 1 ? fz : 1 - fz);
                    acc += w * v[(zi * initial[1] + yi) * initial[0] + xi];
                }
        return (float) acc;
    }

    /** Rotation about x, then y, then z. */
    static double[][] rotation(double ax, double ay, double az) {
        double[][] rx = {{1, 0, 0}, {0, Math.cos(ax), -Math.sin(ax)}, {0, Math.sin(ax), Math.cos(ax)}};
        double[][] ry = {{Math.cos(ay), 0, Math.sin(ay)}, {0, 1, 0}, {-Math.sin(ay), 0, Math.cos(ay)}};
        double[][] rz = {{Math.cos(az), -Math.sin(az), 0}, {Math.sin(az), Math.cos(az), 0}, {0, 0, 1}};
        return multiply(rz, multiply(ry, rx));
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        double[][] c = new double[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) c[i][j] += a[i][k] * b[k][j];
        return c;
    }
}
