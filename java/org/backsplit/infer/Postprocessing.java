package org.backsplit.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.backsplit.data.geometry.ConnectedComponents;
import org.backsplit.io.AtomicFiles;
import org.backsplit.io.FormatException;

/**
 * nnU-Net's postprocessing: for the listed label values, keep only the largest 26-connected component and turn the rest
 * into background. Which labels get it is decided on cross-validation predictions (it is kept only where it raised the
 * mean Dice there); the choice travels as postprocessing.json.
 *
 * @param largestComponentOnly dataset label values
 */
public record Postprocessing(List<Integer> largestComponentOnly) {
    public static final String FILE = "postprocessing.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Postprocessing {
        largestComponentOnly = List.copyOf(largestComponentOnly);
    }

    public static Postprocessing none() {
        return new Postprocessing(List.of());
    }

    /** In place, on a label map (x fastest over dims {nx, ny, nz}). */
    public void apply(float[] labels, int[] dims) {
        for (int value : largestComponentOnly) keepLargestComponent(labels, dims, value);
    }

    /** Keeps the largest 26-connected component of `value` (the first found on a tie); the others become background. */
    public static void keepLargestComponent(float[] labels, int[] dims, int value) {
        boolean[] mask = new boolean[labels.length];
        for (int i = 0; i < mask.length; i++) mask[i] = labels[i] == value;
        ConnectedComponents.Labels c = ConnectedComponents.label(mask, dims);
        if (c.count() < 2) return;
        long[] sizes = c.sizes();
        int largest = 1;
        for (int k = 2; k <= c.count(); k++) if (sizes[k] > sizes[largest]) largest = k; // ties: the first found
        for (int i = 0; i < mask.length; i++) if (mask[i] && c.labels()[i] != largest) labels[i] = 0;
    }

    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, JSON.writeValueAsString(this));
    }

    public static Postprocessing read(Path file) throws IOException {
        try {
            return JSON.readValue(file.toFile(), Postprocessing.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(file, "is not a postprocessing file: " + e.getOriginalMessage());
        }
    }
}
