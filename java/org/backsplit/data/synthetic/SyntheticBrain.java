package org.backsplit.data.synthetic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.io.AtomicFiles;
import org.backsplit.util.Rng;

/**
 * Cases built from a real MRI: the Colin27 T1 brain (skull-stripped) with auxiliary classes from the AAL atlas, both on
 * the same 1 mm grid, taken down to 3 mm (image averaged, labels by majority). Each case gets 1-3 synthetic lesions
 * placed in the white matter with the appearance of the deep grey nuclei (their mean T1 intensity and texture), so the
 * nuclei and the cortex are the look-alikes; a random left-right flip, a smooth intensity bias, a global gain and noise
 * make the cases differ. Labels: background 0, lesion 1, deep grey 2 (caudate, putamen, pallidum, thalamus), cortex 3
 * (the other cerebral AAL regions), cerebellum 4 (AAL cerebellum and vermis), white matter 5 (brain voxels outside the
 * atlas).
 */
public final class SyntheticBrain {
    public static final String[] LABELS = {"background", "lesion", "deep_grey", "cortex", "cerebellum", "white_matter"};
    static final int FACTOR = 3;

    private SyntheticBrain() {}

    public static void write(Path root, Path templates, int training, int test, long seed) throws IOException {
        NiftiImage t1 = Nifti.read(templates.resolve("ch2bet.nii.gz")),
                aal = Nifti.read(templates.resolve("aal.nii.gz"));
        if (!java.util.Arrays.equals(t1.dims(), aal.dims())) {
            throw new IOException(templates.resolve("aal.nii.gz")
                    + ": its grid differs from ch2bet.nii.gz's; expected the MNI 1 mm grid of both");
        }
        Anatomy a = Anatomy.of(t1, aal);
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
                "{\n  \"name\": \"Colin27 with synthetic white-matter lesions (BackSplit demo)\",\n"
                        + "  \"channel_names\": {\"0\": \"T1\"},\n  \"labels\": {" + labels + "},\n  \"numTraining\": "
                        + training + ",\n  \"file_ending\": \".nii.gz\"\n}\n");
        double[] spacing = {FACTOR * t1.spacing()[0], FACTOR * t1.spacing()[1], FACTOR * t1.spacing()[2]};
        NiftiImage grid = new NiftiImage(
                a.dims.clone(), NiftiDatatype.FLOAT32, new float[a.image.length], NiftiGeometry.ofSpacing(spacing));
        for (int i = 0; i < training + test; i++) {
            boolean tr = i < training;
            String id = String.format("brain_%03d", i);
            float[][] c = a.makeCase(new Rng(seed * 1_000_003L + i), spacing);
            Nifti.write(
                    root.resolve((tr ? "imagesTr/" : "imagesTs/") + id + "_0000.nii.gz"),
                    grid,
                    c[0],
                    NiftiDatatype.FLOAT32);
            Nifti.write(
                    root.resolve((tr ? "labelsTr/" : "labelsTs/") + id + ".nii.gz"), grid, c[1], NiftiDatatype.UINT8);
        }
    }

    /** The template at 3 mm: T1 and the class of every voxel. */
    private record Anatomy(float[] image, float[] classes, int[] dims, float deepGreyMean, float deepGreySd) {

        static Anatomy of(NiftiImage t1, NiftiImage aal) {
            int[] d = t1.dims();
            int[] n = {d[0] / FACTOR, d[1] / FACTOR, d[2] / FACTOR};
            float[] image = new float[n[0] * n[1] * n[2]], classes = new float[image.length];
            for (int z = 0; z < n[2]; z++)
                for (int y = 0; y < n[1]; y++)
                    for (int x = 0; x < n[0]; x++) {
                        double sum = 0;
                        int[] votes = new int[LABELS.length];
                        for (int dz = 0; dz < FACTOR; dz++)
                            for (int dy = 0; dy < FACTOR; dy++)
                                for (int dx = 0; dx < FACTOR; dx++) {
                                    int i = ((z * FACTOR + dz) * d[1] + y * FACTOR + dy) * d[0] + x * FACTOR + dx;
                                    sum += t1.data()[i];
                                    votes[classOf((int) aal.data()[i], t1.data()[i])]++;
                                }
                        int best = 0;
                        for (int k = 1; k < votes.length; k++) if (votes[k] > votes[best]) best = k;
                        int o = (z * n[1] + y) * n[0] + x;
                        image[o] = (float) (sum / (FACTOR * FACTOR * FACTOR));
                        classes[o] = best;
                    }
            double s = 0, ss = 0;
            int count = 0;
            for (int i = 0; i < image.length; i++) {
                if (classes[i] == 2) {
                    s += image[i];
                    ss += image[i] * image[i];
                    count++;
                }
            }
            if (count == 0) throw new IllegalStateException("the atlas has no deep grey nuclei on this grid");
            double mean = s / count;
            return new Anatomy(
                    image, classes, n, (float) mean, (float) Math.sqrt(Math.max(ss / count - mean * mean, 0)));
        }

        /**
         * AAL value -> our class; brain voxels outside the (grey-matter) atlas are white matter when bright (T1 > 90),
         * else CSF, left background.
         */
        static int classOf(int aalValue, float t1) {
            if (t1 <= 0) return 0; // the atlas reaches beyond the skull-stripped brain
            if (aalValue >= 71 && aalValue <= 78) return 2;
            if (aalValue >= 91 && aalValue <= 116) return 4;
            if (aalValue >= 1) return 3;
            return t1 > 90 ? 5 : 0;
        }

        /** {image, labels} of one case. */
        float[][] makeCase(Rng rng, double[] spacing) {
            int nx = dims[0], ny = dims[1], nz = dims[2];
            boolean flip = rng.nextDouble() < 0.5;
            float[] img = new float[image.length], lab = new float[image.length];
            for (int z = 0; z < nz; z++)
                for (int y = 0; y < ny; y++)
                    for (int x = 0; x < nx; x++) {
                        int src = (z * ny + y) * nx + (flip ? nx - 1 - x : x), dst = (z * ny + y) * nx + x;
                        img[dst] = image[src];
                        lab[dst] = classes[src];
                    }
            List<Integer> whiteMatter = new ArrayList<>();
            for (int i = 0; i < lab.length; i++) if (lab[i] == 5) whiteMatter.add(i);
            int lesions = 1 + rng.nextInt(3);
            for (int l = 0; l < lesions; l++) {
                double r = 6 + 6 * rng.nextDouble(); // mm
                for (int attempt = 0; attempt < 200; attempt++) {
                    int c = whiteMatter.get(rng.nextInt(whiteMatter.size()));
                    int cx = c % nx, cy = (c / nx) % ny, cz = c / (nx * ny);
                    if (!mostlyWhite(lab, cx, cy, cz, r, spacing)) continue;
                    paint(img, lab, cx, cy, cz, r, spacing, rng);
                    break;
                }
            }
            // a smooth multiplicative bias along a random direction, a gain, and noise
            double gain = 0.9 + 0.2 * rng.nextDouble(), bias = 0.15 * (rng.nextDouble() - 0.5);
            double[] dir = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
            double norm = Math.sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
            for (int z = 0; z < nz; z++)
                for (int y = 0; y < ny; y++)
                    for (int x = 0; x < nx; x++) {
                        int i = (z * ny + y) * nx + x;
                        if (img[i] == 0) continue; // outside the skull-stripped brain stays 0, as in the template
                        double t = ((x - nx / 2.0) * dir[0] + (y - ny / 2.0) * dir[1] + (z - nz / 2.0) * dir[2])
                                / norm
                                / Math.max(nx, Math.max(ny, nz));
                        img[i] = (float) (img[i] * gain * (1 + bias * t) + 4 * rng.nextGaussian());
                    }
            return new float[][] {img, lab};
        }

        private boolean mostlyWhite(float[] lab, int cx, int cy, int cz, double r, double[] sp) {
            int inside = 0, white = 0;
            for (int[] v : ball(cx, cy, cz, r, sp)) {
                inside++;
                if (lab[v[3]] == 5) white++;
            }
            return inside > 0 && white >= 0.85 * inside;
        }

        private void paint(float[] img, float[] lab, int cx, int cy, int cz, double r, double[] sp, Rng rng) {
            for (int[] v : ball(cx, cy, cz, r, sp)) {
                if (lab[v[3]] == 0) continue; // never outside the brain
                img[v[3]] = (float) (deepGreyMean + deepGreySd * rng.nextGaussian());
                lab[v[3]] = 1;
            }
        }

        /** Voxels {x, y, z, index} within r mm of a centre. */
        private List<int[]> ball(int cx, int cy, int cz, double r, double[] sp) {
            List<int[]> out = new ArrayList<>();
            int[] reach = {(int) Math.ceil(r / sp[0]), (int) Math.ceil(r / sp[1]), (int) Math.ceil(r / sp[2])};
            for (int z = cz - reach[2]; z <= cz + reach[2]; z++)
                for (int y = cy - reach[1]; y <= cy + reach[1]; y++)
                    for (int x = cx - reach[0]; x <= cx + reach[0]; x++) {
                        if (x < 0 || y < 0 || z < 0 || x >= dims[0] || y >= dims[1] || z >= dims[2]) continue;
                        double d2 = Math.pow((x - cx) * sp[0], 2)
                                + Math.pow((y - cy) * sp[1], 2)
                                + Math.pow((z - cz) * sp[2], 2);
                        if (d2 <= r * r) out.add(new int[] {x, y, z, (z * dims[1] + y) * dims[0] + x});
                    }
            return out;
        }
    }
}
