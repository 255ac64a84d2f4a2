package org.backsplit.data;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.backsplit.io.AtomicFiles;
import org.backsplit.io.FormatException;

/**
 * Cross-validation folds in nnU-Net's splits_final.json format: a list of {"train": [...], "val": [...]}. The default
 * is nnU-Net's: scikit-learn's KFold(5, shuffle=True, random_state=12345) over the sorted case identifiers; a
 * splits_final.json the user put there is kept as it is.
 */
public record Splits(List<Fold> folds) {
    public static final String FILE = "splits_final.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public record Fold(List<String> train, List<String> val) {}

    public Splits {
        folds = List.copyOf(folds);
    }

    /**
     * KFold as scikit-learn computes it: shuffle indices, cut into k contiguous folds (the first n%k one larger), sort.
     */
    public static Splits kFold(List<String> identifiers, int k, long seed) {
        List<String> ids = new ArrayList<>(identifiers);
        ids.sort(null);
        int n = ids.size();
        if (n < k)
            throw new IllegalArgumentException(
                    "cannot make " + k + " folds from " + n + " cases (train on all of them with --fold all)");
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        new NumpyRandomState(seed).shuffle(order);
        List<Fold> folds = new ArrayList<>();
        int start = 0;
        for (int f = 0; f < k; f++) {
            int size = n / k + (f < n % k ? 1 : 0);
            boolean[] val = new boolean[n];
            for (int i = start; i < start + size; i++) val[order[i]] = true;
            List<String> train = new ArrayList<>(), valIds = new ArrayList<>();
            for (int i = 0; i < n; i++) (val[i] ? valIds : train).add(ids.get(i));
            folds.add(new Fold(train, valIds));
            start += size;
        }
        return new Splits(folds);
    }

    public static Splits nnUNetDefault(List<String> identifiers) {
        return kFold(identifiers, 5, 12345);
    }

    /** The splits in `dir`/splits_final.json, or nnU-Net's default written there (atomically) when there is none. */
    public static Splits loadOrCreate(Path dir, List<String> identifiers) throws IOException {
        Path file = dir.resolve(FILE);
        if (Files.exists(file)) {
            Splits s = read(file);
            Set<String> known = new HashSet<>(identifiers);
            for (int f = 0; f < s.folds().size(); f++) {
                for (String id : s.folds().get(f).val()) {
                    if (!known.contains(id))
                        throw new FormatException(
                                file, "fold " + f + " names case '" + id + "', which the dataset lacks");
                }
            }
            return s;
        }
        Splits s = nnUNetDefault(identifiers);
        AtomicFiles.writeString(file, JSON.writeValueAsString(s.folds()));
        return s;
    }

    public static Splits read(Path file) throws IOException {
        try {
            List<Map<String, List<String>>> raw = JSON.readValue(file.toFile(), new TypeReference<>() {});
            List<Fold> folds = new ArrayList<>();
            for (Map<String, List<String>> f : raw) {
                if (f.get("train") == null || f.get("val") == null)
                    throw new FormatException(file, "every fold needs 'train' and 'val'");
                folds.add(new Fold(f.get("train"), f.get("val")));
            }
            return new Splits(folds);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(file, "is not a splits list: " + e.getOriginalMessage());
        }
    }
}
