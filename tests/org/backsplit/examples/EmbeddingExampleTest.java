package org.backsplit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.nn.PlainConvUNet;
import org.backsplit.nn.UNetPlan;
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
        // --- README example begins ---
        Backend cpu = new CpuBackend();                                      // all cores
        UNetPlan plan = UNetPlan.isotropic(1, 3, 3, 8, 32);                  // 1 channel in, 3 classes, 3 stages 8..32
        PlainConvUNet net = new PlainConvUNet(cpu, plan);

        Shape shape = Shape.ndhwc(2, 16, 16, 16, 1);                         // [N, D, H, W, C], channels last
        float[] image = new float[shape.size()], labels = new float[shape.size()];
        for (int i = 0; i < image.length; i++) {                             // your data here
            labels[i] = (i / 7) % 3;
            image[i] = labels[i] + 0.1f * (float) Math.sin(i);
        }
        Tensor x = cpu.upload(image, shape), y = cpu.upload(labels, shape);

        TrainingConfig config = new TrainingConfig(2, 5, OptimizerConfig.nnUNetSgd(), 12,
                LossSpec.nnUNet(3, true, -1), 42);                           // epochs, iterations, SGD, clip, DC+CE, seed
        Trainer trainer = Trainer.start(net, config,                         // a batch source returns new tensors
        (backend, rng, step) -> new Batch(backend.upload(image, shape), backend.upload(labels, shape)));
        while (!trainer.finished()) System.out.println(trainer.step());
        trainer.save(dir.resolve("checkpoint_final"));                        // model.safetensors + optimizer + state.json

        PlainConvUNet loaded = Checkpoint.loadNetwork(dir.resolve("checkpoint_final"), cpu);
        List<Tensor> logits = loaded.forward(x);                             // every head, full resolution first
        // --- README example ends ---
        assertEquals(Shape.ndhwc(2, 16, 16, 16, 3), logits.get(0).shape());
        assertTrue(trainer.finished());
    }
}
