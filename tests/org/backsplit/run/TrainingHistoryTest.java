package org.backsplit.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The moving average of the target pseudo-Dice picks "best", and survives a round trip through JSON. */
class TrainingHistoryTest {

    private static EpochRecord epoch(TrainingHistory h, int e, double dice) {
        return new EpochRecord(e, 1, 1, Map.of("lesion", dice), dice, h.nextEma(dice), 0.01, 1, null);
    }

    @Test
    void bestFollowsTheMovingAverageNotTheLastValue() throws Exception {
        TrainingHistory h = new TrainingHistory();
        assertTrue(h.add(epoch(h, 0, 0.5)), "the first epoch is the best so far");
        assertEquals(0.5, h.epochs().get(0).emaPseudoDice(), 1e-15);
        assertTrue(h.add(epoch(h, 1, 0.9)));
        assertEquals(0.9 * 0.5 + 0.1 * 0.9, h.epochs().get(1).emaPseudoDice(), 1e-15);
        // a single bad epoch lowers the average: not best, though an earlier epoch's raw value was lower still
        assertFalse(h.add(epoch(h, 2, 0.0)));
        assertEquals(0.9 * 0.54, h.epochs().get(2).emaPseudoDice(), 1e-15);
        TrainingHistory back = TrainingHistory.fromJson(h.toJson(), Path.of("history.json"));
        assertEquals(h.epochs(), back.epochs());
        assertEquals(h.nextEma(0.7), back.nextEma(0.7), 0);
    }
}
