package org.backsplit.run;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.io.FormatException;
import org.backsplit.train.Checkpoint;
import org.backsplit.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every checkpoint file is checked against the SHA-256 recorded when it was written; --continue steps around damage.
 */
class CheckpointIntegrityTest {

    @Test
    void damagedFilesAreErrorsAndContinueFallsBackToTheBestCheckpoint(@TempDir Path dir) throws Exception {
        TinyRun.Made run = TinyRun.train(dir, "Dataset907_Sums", 2);
        RunFolder f = run.folder();
        CpuBackend cpu = new CpuBackend(1);
        assertTrue(Files.isRegularFile(f.finalCheckpoint().resolve(Checkpoint.CHECKSUMS)));

        // one flipped bit in the weights
        Path model = f.finalCheckpoint().resolve(Checkpoint.MODEL);
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 1;
        Files.write(model, bytes);
        FormatException e = assertThrows(FormatException.class, () -> Checkpoint.loadNetwork(f.finalCheckpoint(), cpu));
        assertTrue(
                e.getMessage().startsWith(model.toString()) && e.getMessage().contains("is damaged"), e.getMessage());

        // a truncated optimizer state
        Path optimizer = f.latest().resolve(Checkpoint.OPTIMIZER);
        byte[] opt = Files.readAllBytes(optimizer);
        Files.write(optimizer, Arrays.copyOf(opt, opt.length - 100));
        e = assertThrows(FormatException.class, () -> Trainer.resume(f.latest(), cpu, null));
        assertTrue(e.getMessage().startsWith(optimizer.toString()), e.getMessage());

        // a run stopped after its last epoch but before its end, with checkpoint_latest damaged: --continue takes
        // checkpoint_best, says so, and finishes
        deleteTree(f.finalCheckpoint());
        deleteTree(f.validation());
        List<String> said = new ArrayList<>();
        new DatasetTraining(run.data(), run.preprocessed(), f, run.settings(), cpu, 1, said::add).resume();
        String log = String.join("\n", said);
        assertTrue(log.contains("cannot continue from checkpoint_latest: " + optimizer), log);
        assertTrue(log.contains("continuing from checkpoint_best instead"), log);
        Checkpoint.verify(f.finalCheckpoint());

        // no checksums at all: refused, not trusted
        Files.delete(f.best().resolve(Checkpoint.CHECKSUMS));
        e = assertThrows(FormatException.class, () -> Checkpoint.loadNetwork(f.best(), cpu));
        assertTrue(e.getMessage().contains("checksums.json: is missing"), e.getMessage());
    }

    private static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
