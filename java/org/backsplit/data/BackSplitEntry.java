package org.backsplit.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.backsplit.io.FormatException;

/**
 * The "backsplit" entry that `compose` writes into dataset.json (nnU-Net ignores unknown keys): the target classes, the
 * auxiliary classes, and the cases whose auxiliary structures are not annotated. `train` takes its defaults from it.
 */
public record BackSplitEntry(List<String> targets, List<String> auxiliary, List<String> casesWithoutAuxiliary) {

    public static Optional<BackSplitEntry> read(Path datasetJson) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(datasetJson.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(datasetJson, "is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode b = root.path("backsplit");
        if (b.isMissingNode()) return Optional.empty();
        if (!b.isObject()) throw new FormatException(datasetJson, "its 'backsplit' entry must be an object");
        return Optional.of(new BackSplitEntry(
                strings(b, "targets", datasetJson),
                strings(b, "auxiliary", datasetJson),
                strings(b, "cases_without_auxiliary", datasetJson)));
    }

    private static List<String> strings(JsonNode b, String key, Path file) throws FormatException {
        JsonNode n = b.path(key);
        if (n.isMissingNode()) return List.of();
        if (!n.isArray()) throw new FormatException(file, "backsplit." + key + " must be a list of names");
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) out.add(e.asText());
        return List.copyOf(out);
    }
}
