package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.backsplit.data.NnUNetDatasetTest;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** predict --model on nnU-Net's folders with -f, export-nnunet, and plan leaving nnU-Net's files alone. */
class NnUNetCommandsTest {
    static final Path ROOT = Path.of("tests/resources/nnunet");
    static final Path PLAIN = ROOT.resolve("Dataset901_Tiny/nnUNetTrainer__nnUNetPlans__3d_fullres");
    static final Path RESENC = ROOT.resolve("Dataset901_Tiny/nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres");

    @TempDir
    Path dir;

    private record Run(int exit, String err) {}

    /** predict with a model folder and folds on the fixture images, probabilities saved, on 2 CPU threads. */
    private static Run predict(Path model, Path out, String... folds) {
        java.util.List<String> args =
                new java.util.ArrayList<>(java.util.List.of("predict", "--model", model.toString(), "-f"));
        args.addAll(java.util.List.of(folds));
        args.addAll(java.util.List.of(
                "--input",
                ROOT.resolve("imagesTs").toString(),
                "--output",
                out.toString(),
                "--save-probabilities",
                "--device",
                "cpu",
                "--threads",
                "2"));
        return run(args.toArray(String[]::new));
    }

    private static Run run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    void predictsWithAnNnUNetModelFolderAndItsFolds() throws Exception {
        Path out = dir.resolve("out");
        Run r = predict(PLAIN, out, "0", "1");
        assertEquals(0, r.exit(), r.err());
        for (String id : new String[] {"case_001", "case_002"}) {
            NamedTensor ours = Npy.read(out.resolve(id + ".npy")),
                    nnunet = Npy.read(PLAIN.resolve("expected_" + id + "_folds_0_1_probabilities.npy"));
            assertEquals(nnunet.shape(), ours.shape());
            for (int i = 0; i < ours.data().length; i++)
                assertEquals(nnunet.data()[i], ours.data()[i], 1e-4, id + " value " + i);
            assertTrue(Files.isRegularFile(out.resolve(id + ".nii.gz")));
        }
    }

    @Test
    void anExportedModelPredictsAsTheOneItCameFrom() throws Exception {
        Path exported = dir.resolve("Dataset901_Tiny/nnUNetTrainer__nnUNetPlans__3d_fullres");
        Run e = run("export-nnunet", RESENC.toString(), "--out", exported.toString());
        assertEquals(0, e.exit(), e.err());
        assertTrue(Files.isRegularFile(exported.resolve("fold_0/checkpoint_final.pth")));
        for (Path model : new Path[] {RESENC, exported}) {
            Run r = predict(model, dir.resolve(model == RESENC ? "a" : "b"), "0");
            assertEquals(0, r.exit(), r.err());
        }
        assertArrayEquals(
                Files.readAllBytes(dir.resolve("a/case_002.npy")), Files.readAllBytes(dir.resolve("b/case_002.npy")));
    }

    @Test
    void checkpointBestAndFoldAllAsNnUNetNamesThem() throws Exception {
        // a copy of the ResEnc model whose only checkpoint is fold_all/checkpoint_best.pth
        Path model = dir.resolve("copy");
        Files.createDirectories(model.resolve("fold_all"));
        for (String f : new String[] {"plans.json", "dataset.json"}) Files.copy(RESENC.resolve(f), model.resolve(f));
        Files.copy(RESENC.resolve("fold_0/checkpoint_final.pth"), model.resolve("fold_all/checkpoint_best.pth"));
        Run r = run(
                "predict",
                "-m",
                model.toString(),
                "-f",
                "all",
                "-chk",
                "checkpoint_best",
                "--input",
                ROOT.resolve("imagesTs").toString(),
                "--output",
                dir.resolve("best").toString(),
                "--device",
                "cpu",
                "--threads",
                "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("best/case_001.nii.gz")));
        Run missing = run(
                "predict",
                "-m",
                model.toString(),
                "--input",
                ROOT.resolve("imagesTs").toString(),
                "--output",
                dir.resolve("final").toString(),
                "--device",
                "cpu");
        assertTrue(missing.exit() != 0 && missing.err().contains("checkpoint_final.pth"), missing.err());
    }

    @Test
    void clearErrorsForMixedOrMissingChoices() {
        Run both = run(
                "predict",
                "--model",
                PLAIN.toString(),
                "--plans",
                PLAIN.toString(),
                "--input",
                "x",
                "--output",
                dir.toString());
        assertTrue(both.exit() != 0, both.err());
        assertTrue(both.err().contains("leave out --checkpoint, --plans"), both.err());
        Run neither = run("predict", "--input", "x", "--output", dir.toString());
        assertTrue(neither.err().contains("give --model MODEL_FOLDER"), neither.err());
        Run noFold = run(
                "predict",
                "--model",
                PLAIN.toString(),
                "-f",
                "3",
                "--input",
                "x",
                "--output",
                dir.toString(),
                "--device",
                "cpu");
        assertTrue(noFold.err().contains("no fold 3 in this model"), noFold.err());
    }

    @Test
    void planNeverOverwritesNnUNetsOwnPlans() throws Exception {
        Path ds = NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3);
        Path preprocessed = dir.resolve("nnUNet_preprocessed/Dataset001");
        Files.createDirectories(preprocessed);
        Files.copy(PLAIN.resolve("plans.json"), preprocessed.resolve("plans.json"));
        byte[] before = Files.readAllBytes(preprocessed.resolve("plans.json"));
        Run r = run("plan", ds.toString(), "--preprocessed", preprocessed.toString());
        assertTrue(r.exit() != 0, "plan must refuse");
        assertTrue(r.err().contains("plans.json: is nnU-Net's own"), r.err());
        assertArrayEquals(before, Files.readAllBytes(preprocessed.resolve("plans.json")));
        assertTrue(!Files.exists(preprocessed.resolve("dataset_fingerprint.json")), "nothing written beside it");
    }
}
