package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.NnUNetDatasetTest;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.data.plan.Fingerprint;
import org.backsplit.data.plan.PlanFiles;
import org.backsplit.data.plan.Planner;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.Initialization;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.StateDict;
import org.backsplit.nn.UNetPlan;
import org.backsplit.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `backsplit predict` end to end: segmentations in each input's own grid, with dataset.json's label values. */
class PredictCommandTest {

    @Test
    void writesOneSegmentationPerCaseInTheInputGeometry(@TempDir Path dir) throws Exception {
        Path ds = NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3); // background 0, lesion 1, liver 2 (+ ignore 3)
        Path plans = plan(ds, dir), ckpt = randomNetwork(dir, 2);
        for (boolean keepAux : new boolean[] {false, true}) {
            Path out = dir.resolve("out" + keepAux);
            StringWriter err = new StringWriter();
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err));
            List<String> args = new java.util.ArrayList<>(List.of(
                    "predict",
                    "--checkpoint",
                    keepAux ? ckpt + "," + ckpt : ckpt.toString(),
                    "--input",
                    ds.resolve("imagesTr").toString(),
                    "--output",
                    out.toString(),
                    "--dataset-json",
                    ds.resolve("dataset.json").toString(),
                    "--plans",
                    plans.toString(),
                    "--targets",
                    "lesion",
                    "--device",
                    "cpu",
                    "--threads",
                    "2"));
            if (keepAux) args.add("--keep-auxiliary");
            assertEquals(0, cl.execute(args.toArray(String[]::new)), err.toString());
            Set<Float> values = new TreeSet<>();
            for (String id : List.of("case00", "case01")) {
                NiftiImage image = Nifti.read(ds.resolve("imagesTr/" + id + "_0000.nii.gz")),
                        seg = Nifti.read(out.resolve(id + ".nii.gz"));
                assertArrayEquals(image.dims(), seg.dims());
                assertArrayEquals(image.spacing(), seg.spacing(), 1e-6);
                for (int r = 0; r < 4; r++) assertArrayEquals(image.affine()[r], seg.affine()[r], 1e-6);
                for (float v : seg.data()) values.add(v);
            }
            assertTrue(Set.of(0f, 1f, 2f).containsAll(values), "label values of dataset.json only: " + values);
            if (!keepAux)
                assertTrue(!values.contains(2f), "auxiliary classes are background unless asked for: " + values);
        }
        // the second run was an ensemble of the same network twice: where it says lesion, so did the single network
        for (String id : List.of("case00", "case01")) {
            float[]
                    single =
                            Nifti.read(dir.resolve("outfalse/" + id + ".nii.gz"))
                                    .data(),
                    pair = Nifti.read(dir.resolve("outtrue/" + id + ".nii.gz")).data();
            for (int i = 0; i < single.length; i++) assertEquals(single[i] == 1f, pair[i] == 1f, "voxel " + i);
        }
    }

    @Test
    void writesProbabilitiesAndAppliesPostprocessing(@TempDir Path dir) throws Exception {
        Path ds = NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3);
        Path plans = plan(ds, dir), ckpt = randomNetwork(dir, 5);
        Path pp = dir.resolve("postprocessing.json");
        new org.backsplit.infer.Postprocessing(List.of(1, 2)).write(pp);
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(
                0,
                cl.execute(
                        "predict",
                        "--checkpoint",
                        ckpt.toString(),
                        "--input",
                        ds.resolve("imagesTr").toString(),
                        "--output",
                        out.toString(),
                        "--dataset-json",
                        ds.resolve("dataset.json").toString(),
                        "--plans",
                        plans.toString(),
                        "--targets",
                        "lesion",
                        "--keep-auxiliary",
                        "--save-probabilities",
                        "--postprocessing",
                        pp.toString(),
                        "--device",
                        "cpu",
                        "--threads",
                        "1"),
                err.toString());
        for (String id : List.of("case00", "case01")) {
            NiftiImage seg = Nifti.read(out.resolve(id + ".nii.gz"));
            int[] d = {seg.dims()[0], seg.dims()[1], seg.dims()[2]};
            var probs = org.backsplit.io.Npy.read(out.resolve(id + ".npy"));
            assertArrayEquals(new int[] {3, d[2], d[1], d[0]}, probs.shape().dims(), "[classes, z, y, x]");
            int v = d[0] * d[1] * d[2];
            for (int i = 0; i < v; i++) {
                double sum = probs.data()[i] + probs.data()[v + i] + probs.data()[2 * v + i];
                assertEquals(1.0, sum, 1e-5, "a softmax at voxel " + i);
            }
            for (int label = 1; label <= 2; label++) {
                boolean[] m = new boolean[v];
                for (int i = 0; i < v; i++) m[i] = seg.data()[i] == label;
                assertTrue(
                        org.backsplit.data.geometry.ConnectedComponents.label(m, d)
                                        .count()
                                <= 1,
                        id + ": at most one component of label " + label);
            }
        }
    }

    /** plans.json for the dataset, in its own folder. */
    private static Path plan(Path ds, Path dir) throws Exception {
        Fingerprint f = Fingerprint.of(NnUNetDataset.open(ds));
        Path plans = Files.createDirectories(dir.resolve("plans"));
        PlanFiles.write(plans, f, Planner.plan(f, List.of("CT", "PET"), 3));
        return plans;
    }

    /** A small U-Net for the dataset's 2 channels and 3 classes, He-initialised from `seed`, as a bare state_dict. */
    private static Path randomNetwork(Path dir, long seed) throws Exception {
        SegmentationNetwork net = Architecture.UNET.build(new CpuBackend(1), UNetPlan.isotropic(2, 3, 2, 4, 8));
        Initialization.he(net.backend(), net.parameters(), new Rng(seed), 0.01);
        Path ckpt = dir.resolve("net.safetensors");
        StateDict.save(net.backend(), net.parameters(), ckpt, Map.of());
        return ckpt;
    }
}
