package org.backsplit.data.synthetic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.io.AtomicFiles;
import org.backsplit.util.Rng;

/**
 * A deterministic synthetic CT dataset in nnU-Net's raw layout, built for the regime the paper targets (its §B
 * heuristics): small lesions inside a host organ whose look-alikes sit elsewhere. Every case is a body (soft tissue)
 * holding a liver (the host, 60 HU), a spleen next to it and vessels running through the liver, both exactly as dense
 * as the lesions (110 HU: told apart from lesions by shape and place only), and a spine (bone, 400 HU) far from the
 * lesions; 0-3 round lesions in the liver (radius 3.5-7 mm). Labels: background 0, lesion 1, liver 2, spleen 3, vessel
 * 4, bone 5. Noise (sigma 15 HU) and a slight partial-volume blur. Training cases go to imagesTr/labelsTr, held-out
 * cases to imagesTs/labelsTs.
 */
public final class SyntheticAbdomen {
    public static final String[] LABELS = {"background", "lesion", "liver", "spleen", "vessel", "bone"};
    public static final int[] DIMS = {48, 48, 32};
    public static final double[] SPACING = {1.5, 1.5, 2.0};

    private SyntheticAbdomen() {}

    /** Writes the dataset into `root` (created); the same seed always gives the same files' contents. */
    public static void write(Path root, int training, int test, long seed) throws IOException {
        for (String d : new String[] {"imagesTr", "labelsTr", "imagesTs", "labelsTs"})
            Files.createDirectories(root.resolve(d));
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < LABELS.length; i++)
            labels.append(i == 0 ? "" : ", ")
                    .append('"')
                    .append(LABELS[i])
                    .append("\": ")
                    .append(i);
        AtomicFiles.writeString(
                root.resolve("dataset.json"),
                "{\n  \"name\": \"synthetic abdomen (BackSplit demo)\",\n  \"channel_names\": {\"0\": \"CT\"},\n"
                        + "  \"labels\": {" + labels + "},\n  \"numTraining\": " + training
                        + ",\n  \"file_ending\": \".nii.gz\"\n}\n");
        NiftiImage grid = new NiftiImage(
                DIMS.clone(),
                NiftiDatatype.FLOAT32,
                new float[DIMS[0] * DIMS[1] * DIMS[2]],
                NiftiGeometry.ofSpacing(SPACING));
        for (int i = 0; i < training + test; i++) {
            boolean tr = i < training;
            String id = String.format("abdomen_%03d", i);
            Case c = make(new Rng(seed * 1_000_003L + i));
            Nifti.write(
                    root.resolve((tr ? "imagesTr/" : "imagesTs/") + id + "_0000.nii.gz"),
                    grid,
                    c.image,
                    NiftiDatatype.FLOAT32);
            Nifti.write(
                    root.resolve((tr ? "labelsTr/" : "labelsTs/") + id + ".nii.gz"),
                    grid,
                    c.labels,
                    NiftiDatatype.UINT8);
        }
    }

    /** One case: image in HU and labels, x fastest. */
    public record Case(float[] image, float[] labels) {}

    public static Case make(Rng rng) {
        int nx = DIMS[0], ny = DIMS[1], nz = DIMS[2];
        // positions in mm; the body fills most of the field of view
        double cx = nx * SPACING[0] / 2, cy = ny * SPACING[1] / 2, cz = nz * SPACING[2] / 2;
        double[] body = {cx, cy, cz, 33 + 2 * rng.nextDouble(), 26 + 2 * rng.nextDouble(), 40};
        double[] liver = {
            cx - 8 + 4 * rng.nextDouble(),
            cy - 2 + 4 * rng.nextDouble(),
            cz + 3 * (rng.nextDouble() - 0.5),
            17 + 3 * rng.nextDouble(),
            13 + 2 * rng.nextDouble(),
            15 + 3 * rng.nextDouble()
        };
        double[] spleen = {
            liver[0] + liver[3] + 8 + 3 * rng.nextDouble(),
            cy + 6 * (rng.nextDouble() - 0.5),
            cz + 4 * (rng.nextDouble() - 0.5),
            5 + 2 * rng.nextDouble(),
            7 + 2 * rng.nextDouble(),
            8 + 3 * rng.nextDouble()
        };
        double[] spine = {cx + 4 * (rng.nextDouble() - 0.5), cy + body[4] - 9, 6 + 1.5 * rng.nextDouble()
        }; // a rod along z
        // two vessels through the liver, along z and along x, 1.3-2.2 mm in radius
        double[] vesselZ = {
            liver[0] + liver[3] * 0.5 * (rng.nextDouble() - 0.5),
            liver[1] + liver[4] * 0.5 * (rng.nextDouble() - 0.5),
            1.3 + 0.9 * rng.nextDouble()
        };
        double[] vesselX = {
            liver[1] + liver[4] * 0.5 * (rng.nextDouble() - 0.5),
            liver[2] + liver[5] * 0.4 * (rng.nextDouble() - 0.5),
            1.3 + 0.9 * rng.nextDouble()
        };
        int lesionCount = rng.nextInt(4);
        double[][] lesions = new double[lesionCount][];
        for (int l = 0; l < lesionCount; l++) {
            double r = 3.5 + 3.5 * rng.nextDouble();
            lesions[l] = new double[] {
                liver[0] + (liver[3] - r) * 0.8 * (2 * rng.nextDouble() - 1),
                liver[1] + (liver[4] - r) * 0.8 * (2 * rng.nextDouble() - 1),
                liver[2] + (liver[5] - r) * 0.8 * (2 * rng.nextDouble() - 1),
                r
            };
        }
        float[] labels = new float[nx * ny * nz], mean = new float[labels.length];
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++) {
                    double px = (x + 0.5) * SPACING[0], py = (y + 0.5) * SPACING[1], pz = (z + 0.5) * SPACING[2];
                    int label = 0;
                    double hu = -1000;
                    if (inEllipse(px, py, body)) {
                        hu = 40;
                        if (Math.hypot(px - spine[0], py - spine[1]) < spine[2]) {
                            label = 5;
                            hu = 400;
                        }
                        if (inEllipsoid(px, py, pz, spleen)) {
                            label = 3;
                            hu = 110;
                        }
                        if (inEllipsoid(px, py, pz, liver)) {
                            label = 2;
                            hu = 60;
                            if (Math.hypot(px - vesselZ[0], py - vesselZ[1]) < vesselZ[2]
                                    || Math.hypot(py - vesselX[0], pz - vesselX[1]) < vesselX[2]) {
                                label = 4;
                                hu = 110;
                            }
                            for (double[] l : lesions) {
                                if (sq(px - l[0]) + sq(py - l[1]) + sq(pz - l[2]) < sq(l[3])) {
                                    label = 1;
                                    hu = 110;
                                }
                            }
                        }
                    }
                    int i = (z * ny + y) * nx + x;
                    labels[i] = label;
                    mean[i] = (float) hu;
                }
        float[] image = blurXY(mean, nx);
        for (int i = 0; i < image.length; i++) image[i] += (float) (15 * rng.nextGaussian());
        return new Case(image, labels);
    }

    private static boolean inEllipse(double x, double y, double[] e) {
        return sq((x - e[0]) / e[3]) + sq((y - e[1]) / e[4]) < 1;
    }

    private static boolean inEllipsoid(double x, double y, double z, double[] e) {
        return sq((x - e[0]) / e[3]) + sq((y - e[1]) / e[4]) + sq((z - e[2]) / e[5]) < 1;
    }

    private static double sq(double v) {
        return v * v;
    }

    /** A [1 2 1]/4 blur along x and y: edges as a scanner's partial volume makes them. */
    private static float[] blurXY(float[] v, int nx) {
        float[] a = new float[v.length], b = new float[v.length];
        int ny = DIMS[1];
        for (int i = 0; i < v.length; i++) {
            int x = i % nx;
            a[i] = (v[x > 0 ? i - 1 : i] + 2 * v[i] + v[x < nx - 1 ? i + 1 : i]) / 4;
        }
        for (int i = 0; i < v.length; i++) {
            int y = (i / nx) % ny;
            b[i] = (a[y > 0 ? i - nx : i] + 2 * a[i] + a[y < ny - 1 ? i + nx : i]) / 4;
        }
        return b;
    }
}
