package org.backsplit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.backsplit.backend.Backend;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.infer.Postprocessing;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.Npy;
import org.backsplit.nn.Parameter;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.StateDict;
import org.backsplit.run.RunFolder;
import org.backsplit.run.TinyRun;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our models out to nnU-Net: the folder export-nnunet writes opens again as an nnU-Net model with the same weights,
 * plan and predictions (bit for bit), exports again to the same bytes, names its tensors as nnU-Net's modules do
 * (aliases included), and, where Debian's python3-torch is installed, loads in PyTorch with torch.load and gives our
 * logits.
 */
class NnUNetExportTest {
    static final Path FIXTURES = NnUNetModelTest.DATASET;

    @TempDir
    static Path shared;

    static Path ourModel;
    static Path rawDataset;

    /** A tiny BackSplit run of ours (what plan + train leave behind): 1 epoch of 2 iterations. */
    @BeforeAll
    static void trainTinyRun() throws Exception {
        TinyRun.Made made = TinyRun.train(shared, "Dataset905_Export");
        rawDataset = made.raw();
        RunFolder folder = made.folder();
        ourModel = folder.root().getParent();
    }

    @Test
    void exportThenReimportIsIdentical(@TempDir Path dir) throws Exception {
        Backend cpu = new CpuBackend(2);
        TrainedModel ours = TrainedModel.open(ourModel, List.of(), TrainedModel.FINAL, cpu);
        assertTrue(!ours.fromNnUNet());
        Path exported = dir.resolve(NnUNetExport.folderName(ours));
        NnUNetExport.write(ours, "Dataset905_Export", exported, cpu);

        TrainedModel back = TrainedModel.open(exported, List.of(), TrainedModel.FINAL, cpu);
        assertTrue(back.fromNnUNet());
        assertEquals(ours.foldNames(), back.foldNames());
        assertEquals(ours.outputNames(), back.outputNames()); // every class, the auxiliary ones included
        assertArrayEquals(ours.tile(), back.tile());
        assertEquals(ours.mirrorAxes(), back.mirrorAxes());
        assertArrayEquals(ours.plan().targetSpacing(), back.plan().targetSpacing());
        assertArrayEquals(ours.plan().patchSize(), back.plan().patchSize());
        for (int ch = 0; ch < ours.plan().normalization().size(); ch++)
            assertEquals(
                    ours.plan().useMaskForNorm().get(ch),
                    back.plan().useMaskForNorm().get(ch));
        for (int f = 0; f < ours.folds().size(); f++) {
            assertEquals(ours.folds().get(f).plan(), back.folds().get(f).plan());
            assertEquals(ours.folds().get(f).architecture(), back.folds().get(f).architecture());
            List<Parameter> a = ours.folds().get(f).parameters(),
                    b = back.folds().get(f).parameters();
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.get(i).name(), b.get(i).name());
                assertArrayEquals(
                        cpu.download(a.get(i).value()),
                        cpu.download(b.get(i).value()),
                        a.get(i).name());
            }
        }
        // the same case predicted both ways: the same probabilities, bit for bit
        List<Path> image = List.of(rawDataset.resolve("imagesTs/abdomen_005_0000.nii.gz"));
        ours.predictor(0.5, true, true, Postprocessing.none())
                .predict(image, null, dir.resolve("a.nii.gz"), dir.resolve("a.npy"));
        back.predictor(0.5, true, true, Postprocessing.none())
                .predict(image, null, dir.resolve("b.nii.gz"), dir.resolve("b.npy"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.npy")), Files.readAllBytes(dir.resolve("b.npy")));

        // and exporting the re-imported model writes the same bytes again
        Path again = dir.resolve("again");
        NnUNetExport.write(back, "Dataset905_Export", again, cpu);
        for (Path p : files(exported)) {
            Path q = again.resolve(exported.relativize(p).toString());
            assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(q), "file " + exported.relativize(p));
        }
    }

    /** An nnU-Net model exported again opens as it was and predicts the same, bit for bit (its axis order too). */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "nnUNetTrainer__nnUNetPlans__3d_fullres",
                "nnUNetTrainer__nnUNetResEncUNetMPlans__2d",
                "../Dataset902_Transposed/nnUNetTrainer__nnUNetPlans__3d_fullres"
            })
    void anImportedModelExportsAsItCame(String model, @TempDir Path dir) throws Exception {
        Backend cpu = new CpuBackend(2);
        TrainedModel original = TrainedModel.open(FIXTURES.resolve(model), List.of("0"), TrainedModel.FINAL, cpu);
        Path exported = dir.resolve("exported");
        NnUNetExport.write(original, "Dataset901_Tiny", exported, cpu);
        TrainedModel back = TrainedModel.open(exported, List.of(), TrainedModel.FINAL, cpu);
        assertEquals(original.axisOrder(), back.axisOrder());
        assertEquals(original.mirrorAxes(), back.mirrorAxes());
        assertArrayEquals(original.tile(), back.tile());
        assertArrayEquals(original.plan().targetSpacing(), back.plan().targetSpacing());
        assertEquals(original.plan().normalization(), back.plan().normalization());
        assertEquals(
                original.plan().ctStatistics().get(0),
                back.plan().ctStatistics().get(0));
        List<Path> images = List.of(
                NnUNetModelTest.ROOT.resolve("imagesTs/case_002_0000.nii.gz"),
                NnUNetModelTest.ROOT.resolve("imagesTs/case_002_0001.nii.gz"));
        original.predictor(0.5, true, false, Postprocessing.none())
                .predict(images, null, dir.resolve("a.nii.gz"), dir.resolve("a.npy"));
        back.predictor(0.5, true, false, Postprocessing.none())
                .predict(images, null, dir.resolve("b.nii.gz"), dir.resolve("b.npy"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.npy")), Files.readAllBytes(dir.resolve("b.npy")));
    }

    /** nnU-Net's state dicts hold every tensor twice or three times (aliases); ours must name them all, in order. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "nnUNetTrainer__nnUNetPlans__3d_fullres",
                "nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres",
                "nnUNetTrainer__nnUNetPlans__2d",
                "nnUNetTrainer__nnUNetResEncUNetMPlans__2d"
            })
    void exportedStateDictNamesEveryTensorAsNnUNetDoes(String model) throws Exception {
        Backend cpu = new CpuBackend(1);
        NnUNetCheckpoint nnunet = NnUNetCheckpoint.read(FIXTURES.resolve(model).resolve("fold_0/checkpoint_final.pth"));
        TrainedModel m = TrainedModel.open(FIXTURES.resolve(model), List.of("0"), TrainedModel.FINAL, cpu);
        List<NamedTensor> ours =
                StateDict.withAliases(StateDict.export(cpu, m.folds().get(0).parameters()));
        assertEquals(
                new ArrayList<>(nnunet.weights().keySet()),
                ours.stream().map(NamedTensor::name).toList());
        for (NamedTensor t : ours) {
            NamedTensor theirs = nnunet.weights().get(t.name());
            assertEquals(theirs.shape(), t.shape(), t.name());
            assertArrayEquals(theirs.data(), t.data(), t.name());
        }
    }

    @Test
    void refusesWhatNnUNetCannotRunTheSame(@TempDir Path dir) throws Exception {
        Backend cpu = new CpuBackend(1);
        TrainedModel ours = TrainedModel.open(ourModel, List.of(), TrainedModel.FINAL, cpu);
        // a 2D U-Net of ours resamples across slices; nnU-Net's 2d configuration would not
        TrainedModel planarOfOurs = new TrainedModel(
                ours.folder(),
                false,
                ours.dataset(),
                ours.plan(),
                ours.foldNames(),
                List.of(org.backsplit.nn.Architecture.UNET2D.build(
                        cpu,
                        org.backsplit.nn.UNetPlan.withKernelsAndStrides(
                                1, ours.outputNames().size(), 4, 8, new int[][] {{1, 3, 3}, {1, 3, 3}}, new int[][] {
                                    {1, 1, 1}, {1, 2, 2}
                                }))),
                ours.tile(),
                3,
                ours.axisOrder(),
                ours.classes());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> NnUNetExport.write(planarOfOurs, "D", dir.resolve("x"), cpu));
        assertTrue(e.getMessage().contains("never resamples across slices"), e.getMessage());
    }

    /** The export loads with PyTorch's torch.load and its weights give our logits (skipped without python3-torch). */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "ours",
                "nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres",
                "nnUNetTrainer__nnUNetPlans__2d",
                "nnUNetTrainer__nnUNetResEncUNetMPlans__2d"
            })
    void pytorchLoadsTheExportAndAgrees(String source, @TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                PythonTorch.available(), "Debian's python3-torch is not installed: the PyTorch side is not checked");
        Backend cpu = new CpuBackend(2);
        TrainedModel m = TrainedModel.open(
                source.equals("ours") ? ourModel : FIXTURES.resolve(source), List.of(), TrainedModel.FINAL, cpu);
        Path exported = dir.resolve("exported");
        NnUNetExport.write(m, "Dataset905_Export", exported, cpu);

        SegmentationNetwork net = m.folds().get(0);
        int c = net.plan().inputChannels(), k = net.plan().numClasses();
        int[] t = m.tile(); // x, y, z
        Shape shape = Shape.ndhwc(1, t[2], t[1], t[0], c);
        float[] x = new float[(int) shape.numel()];
        Random rng = new Random(5);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        Tensor in = cpu.upload(x, shape);
        float[] logits = cpu.download(net.forward(in).get(0));
        Npy.write(dir.resolve("input.npy"), new Shape(1, c, t[2], t[1], t[0]), channelsFirst(x, c));
        Npy.write(dir.resolve("expected.npy"), new Shape(1, k, t[2], t[1], t[0]), channelsFirst(logits, k));
        PythonTorch.Result r = PythonTorch.run(
                Path.of("tests/fixtures/check_exported_nnunet.py"),
                exported.toString(),
                dir.resolve("input.npy").toString(),
                dir.resolve("expected.npy").toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
    }

    private static float[] channelsFirst(float[] channelsLast, int c) {
        int voxels = channelsLast.length / c;
        float[] out = new float[channelsLast.length];
        for (int v = 0; v < voxels; v++) for (int j = 0; j < c; j++) out[j * voxels + v] = channelsLast[v * c + j];
        return out;
    }

    private static List<Path> files(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
