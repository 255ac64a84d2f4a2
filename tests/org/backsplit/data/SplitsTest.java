package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.backsplit.io.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitsTest {

    /**
     * numpy's RandomState(12345).shuffle(np.arange(n)), recorded with numpy (tests/resources/numpy_shuffle_12345.json).
     */
    @Test
    void shufflesExactlyAsNumpy() throws Exception {
        JsonNode expected = new ObjectMapper()
                .readTree(Path.of("tests/resources/numpy_shuffle_12345.json").toFile());
        for (String n : new String[] {"5", "10", "37", "100", "401"}) {
            int[] a = new int[Integer.parseInt(n)];
            for (int i = 0; i < a.length; i++) a[i] = i;
            new NumpyRandomState(12345).shuffle(a);
            for (int i = 0; i < a.length; i++)
                assertEquals(expected.get(n).get(i).asInt(), a[i], "n=" + n + " position " + i);
        }
    }

    /** nnU-Net's split of 23 cases as scikit-learn's KFold makes it (tests/fixtures/make_split_fixture.py). */
    @Test
    void matchesScikitLearnsKFold() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 23; i++) ids.add(String.format("case_%03d", i));
        Splits expected = Splits.read(Path.of("tests/resources/kfold_23_cases_seed_12345.json"));
        assertEquals(expected, Splits.nnUNetDefault(ids));
    }

    @Test
    void fiveFoldsPartitionTheCases() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 23; i++) ids.add(String.format("case_%03d", i));
        Splits s = Splits.nnUNetDefault(ids);
        assertEquals(5, s.folds().size());
        Set<String> seen = new HashSet<>();
        for (Splits.Fold f : s.folds()) {
            assertEquals(23, f.train().size() + f.val().size());
            for (String v : f.val()) assertTrue(seen.add(v), v + " in two validation folds");
            assertTrue(f.val().size() == 4 || f.val().size() == 5);
        }
        assertEquals(23, seen.size());
    }

    @Test
    void aUserSplitIsKeptAndCheckedAndADefaultIsWritten(@TempDir Path dir) throws Exception {
        List<String> ids = List.of("a", "b", "c", "d", "e", "f");
        Splits made = Splits.loadOrCreate(dir, ids);
        assertTrue(Files.exists(dir.resolve(Splits.FILE)));
        assertEquals(made, Splits.loadOrCreate(dir, ids)); // read back, not made again
        Files.writeString(dir.resolve(Splits.FILE), "[{\"train\": [\"a\", \"b\"], \"val\": [\"zz\"]}]");
        FormatException e = assertThrows(FormatException.class, () -> Splits.loadOrCreate(dir, ids));
        assertTrue(e.getMessage().contains("zz"), e.getMessage());
        Files.writeString(dir.resolve(Splits.FILE), "[{\"train\": [\"a\"], \"val\": [\"b\"]}]");
        assertEquals(List.of("b"), Splits.loadOrCreate(dir, ids).folds().get(0).val());
    }
}
