package org.backsplit.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.backsplit.io.FormatException;

/**
 * The epochs of a run so far, and what follows from them: the moving average of the target pseudo-Dice and the best
 * epoch by it. Saved inside each checkpoint, so a resumed run picks "best" exactly as an uninterrupted one would.
 */
public final class TrainingHistory {
    static final double EMA_KEEP = 0.9; // nnU-Net's ema_fg_dice = 0.9 * old + 0.1 * new
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final List<EpochRecord> epochs;

    public TrainingHistory() {
        this(new ArrayList<>());
    }

    private TrainingHistory(List<EpochRecord> epochs) {
        this.epochs = epochs;
    }

    /** The moving average after one more epoch with this target pseudo-Dice (the first epoch starts it). */
    public double nextEma(double targetPseudoDice) {
        if (epochs.isEmpty()) return targetPseudoDice;
        return EMA_KEEP * epochs.getLast().emaPseudoDice() + (1 - EMA_KEEP) * targetPseudoDice;
    }

    /** Appends an epoch; true when its moving average is the best so far (its checkpoint becomes "best"). */
    public boolean add(EpochRecord r) {
        double before = bestEma();
        epochs.add(r);
        return r.emaPseudoDice() > before;
    }

    public double bestEma() {
        return epochs.stream().mapToDouble(EpochRecord::emaPseudoDice).max().orElse(Double.NEGATIVE_INFINITY);
    }

    public List<EpochRecord> epochs() {
        return List.copyOf(epochs);
    }

    public String toJson() throws IOException {
        return JSON.writeValueAsString(epochs);
    }

    public static TrainingHistory fromJson(String json, Path source) throws IOException {
        try {
            return new TrainingHistory(
                    new ArrayList<>(JSON.readValue(json, new TypeReference<List<EpochRecord>>() {})));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(source, "holds no readable training history: " + e.getOriginalMessage());
        }
    }
}
