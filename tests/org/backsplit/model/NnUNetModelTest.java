package org.backsplit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.infer.Postprocessing;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.Npy;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * nnU-Net v2 model folders (tests/fixtures/make_nnunet_model_fixture.py: a 3D PlainConvUNet with two folds, a 3D
 * ResidualEncoderUNet, a 2D PlainConvUNet and a 2D ResidualEncoderUNet, a 3D PlainConvUNet whose plan transposes the
 * axes; two-channel CT + T2 cases, one of them anisotropic) predicted here as nnU-Net's predictor does, against the
 * probabilities and segmentation its code gives in PyTorch.
 */
class NnUNetModelTest {
    static final Path ROOT = Path.of("tests/resources/nnunet");
    static final Path DATASET = ROOT.resolve("Dataset901_Tiny");

    @TempDir
    Path out;

    @ParameterizedTest(name = "{0} folds {1} {2}")
    @CsvSource({
        "nnUNetTrainer__nnUNetPlans__3d_fullres, 0, case_001",
        "nnUNetTrainer__nnUNetPlans__3d_fullres, 0, case_002",
        "nnUNetTrainer__nnUNetPlans__3d_fullres, 0 1, case_001",
        "nnUNetTrainer__nnUNetPlans__3d_fullres, 0 1, case_002",
        "nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres, 0, case_001",
        "nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres, 0, case_002",
        "nnUNetTrainer__nnUNetPlans__2d, 0, case_001",
        "nnUNetTrainer__nnUNetPlans__2d, 0, case_002",
        "nnUNetTrainer__nnUNetResEncUNetMPlans__2d, 0, case_001",
        "nnUNetTrainer__nnUNetResEncUNetMPlans__2d, 0, case_002",
        "../Dataset902_Transposed/nnUNetTrainer__nnUNetPlans__3d_fullres, 0, case_001",
        "../Dataset902_Transposed/nnUNetTrainer__nnUNetPlans__3d_fullres, 0, case_002",
    })
    void predictsAsNnUNetDoes(String model, String folds, String caseId) throws Exception {
        Backend cpu = new CpuBackend(2);
        List<String> foldList = List.of(folds.split(" "));
        TrainedModel m = TrainedModel.open(DATASET.resolve(model), foldList, TrainedModel.FINAL, cpu);
        assertTrue(m.fromNnUNet());
        assertEquals(foldList.size(), m.folds().size());
        Path seg = out.resolve(caseId + ".nii.gz"), probs = out.resolve(caseId + ".npy");
        m.predictor(0.5, true, false, Postprocessing.none())
                .predict(
                        List.of(
                                ROOT.resolve("imagesTs/" + caseId + "_0000.nii.gz"),
                                ROOT.resolve("imagesTs/" + caseId + "_0001.nii.gz")),
                        null,
                        seg,
                        probs);
        String tag = String.join("_", foldList);
        Path base = DATASET.resolve(model);
        NamedTensor expected = Npy.read(base.resolve("expected_" + caseId + "_folds_" + tag + "_probabilities.npy"));
        NamedTensor ours = Npy.read(probs);
        assertEquals(expected.shape(), ours.shape());
        double worst = 0;
        for (int i = 0; i < ours.data().length; i++)
            worst = Math.max(worst, Math.abs(ours.data()[i] - expected.data()[i]));
        assertTrue(worst < 1e-4, "largest probability difference " + worst);

        float[] expectedSeg = Npy.read(base.resolve("expected_" + caseId + "_folds_" + tag + "_segmentation.npy"))
                .data();
        float[] ourSeg = Nifti.read(seg).data();
        int classes = expected.shape().dim(0), voxels = ourSeg.length;
        for (int v = 0; v < voxels; v++) {
            if (ourSeg[v] == expectedSeg[v]) continue;
            // only a tie within the tolerance may fall the other way
            float a = expected.data()[(int) ourSeg[v] * voxels + v],
                    b = expected.data()[(int) expectedSeg[v] * voxels + v];
            assertTrue(
                    Math.abs(a - b) < 2e-4,
                    "voxel " + v + ": label " + ourSeg[v] + " where nnU-Net has " + expectedSeg[v]);
        }
        assertEquals(3, classes);
    }
}
