package org.backsplit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Dice by hand, and the empty-mask rules. */
class DiceTest {

    @Test
    void byHand() {
        boolean[] a = {true, true, true, false, false}, b = {false, true, true, true, true};
        assertEquals(2.0 * 2 / (3 + 4), Dice.of(a, b), 1e-15);
        assertEquals(1.0, Dice.of(a, a));
    }

    @Test
    void emptyMasks() {
        boolean[] none = new boolean[4], one = {false, true, false, false};
        assertTrue(Double.isNaN(Dice.of(none, none)), "both empty: undefined");
        assertEquals(0.0, Dice.of(one, none));
        assertEquals(0.0, Dice.of(none, one));
        assertThrows(IllegalArgumentException.class, () -> Dice.of(none, new boolean[3]));
    }
}
