package org.backsplit.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.backend.device.Devices;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.plan.Plan;
import org.backsplit.data.plan.PlanFiles;
import org.backsplit.infer.CasePredictor;
import org.backsplit.infer.NetworkPredictor;
import org.backsplit.infer.Postprocessing;
import org.backsplit.infer.SlidingWindow;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.run.NetworkConfiguration;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.train.Batch;
import org.backsplit.train.Checkpoint;
import org.backsplit.train.OptimizerConfig;
import org.backsplit.train.Trainer;
import org.backsplit.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding example, compiled and run as written there. */
class EmbeddingExampleTest {

    @Test
    void readmeExampleRuns(@TempDir Path dir) throws Exception {
        // --- example begins ---
        Backend cpu = new CpuBackend(); // all cores
        UNetPlan plan = UNetPlan.isotropic(1, 3, 3, 8, 32); // 1 channel in, 3 classes, 3 stages 8..32
        SegmentationNetwork net = Architecture.UNET.build(cpu, plan); // or RESENC, SEGRESNET, UNET2D

        Shape shape = Shape.ndhwc(2, 16, 16, 16, 1); // [N, D, H, W, C], channels last
        float[] image = new float[shape.size()], labels = new float[shape.size()];
        for (int i = 0; i < image.length; i++) { // your data here
            labels[i] = (i / 7) % 3;
            image[i] = labels[i] + 0.1f * (float) Math.sin(i);
        }
        Tensor x = cpu.upload(image, shape), y = cpu.upload(labels, shape);

        TrainingConfig config = new TrainingConfig(
                2,
                5,
                OptimizerConfig.nnUNetSgd(),
                12,
                LossSpec.nnUNet(3, true, -1),
                42); // epochs, iterations, SGD, clip, DC+CE, seed
        Trainer trainer = Trainer.start(
                net,
                config, // a batch source returns new tensors
                (backend, rng, step) -> new Batch(backend.upload(image, shape), backend.upload(labels, shape)));
        while (!trainer.finished()) System.out.println(trainer.step());
        trainer.save(dir.resolve("checkpoint_final")); // model.safetensors + optimizer + state.json

        SegmentationNetwork loaded = Checkpoint.loadNetwork(dir.resolve("checkpoint_final"), cpu);
        List<Tensor> logits = loaded.forward(x); // every head, full resolution first
        // --- example ends ---
        assertEquals(Shape.ndhwc(2, 16, 16, 16, 3), logits.get(0).shape());
        assertTrue(trainer.finished());
    }

    @Test
    void readmeSegmentationExampleRuns(@TempDir Path dir) throws Exception {
        // a small trained run to segment with (what `backsplit plan` and `backsplit train` leave behind)
        org.backsplit.run.TinyRun.Made made = org.backsplit.run.TinyRun.train(dir, "Dataset905_Embed");
        Path raw = made.raw();
        org.backsplit.run.RunFolder folder = made.folder();
        Path run = folder.root(),
                image = raw.resolve("imagesTs/abdomen_005_0000.nii.gz"),
                segmentation = dir.resolve("abdomen_005_seg.nii.gz");

        // --- segmentation example begins ---
        Backend backend = Devices.open("auto", null, System.err); // the GPU when there is one, else all CPU cores
        SegmentationNetwork trained =
                Checkpoint.loadNetwork(run.resolve("checkpoint_final"), backend); // any architecture
        Plan plan = PlanFiles.readPlan(run); // the plan it was trained with (run/plans.json)
        int[] writtenValue = {0, 1, 0, 0, 0, 0}; // training class -> label written: the lesion only
        CasePredictor predictor = new CasePredictor(
                new NetworkPredictor(trained),
                plan,
                NetworkConfiguration.tile(trained, plan),
                SlidingWindow.DEFAULT_STEP,
                SlidingWindow.ALL_AXES,
                writtenValue,
                Postprocessing.read(run.resolve(Postprocessing.FILE)));
        predictor.predict(List.of(image), segmentation); // one file per channel in; NIfTI out, in the image's grid
        // --- segmentation example ends ---
        assertArrayEquals(Nifti.read(image).dims(), Nifti.read(segmentation).dims());
    }
}
