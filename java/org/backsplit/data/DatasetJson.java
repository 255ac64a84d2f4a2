package org.backsplit.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.backsplit.io.FormatException;

/**
 * nnU-Net v2's dataset.json: channel names by index, labels by name (background 0, an optional "ignore" label with the
 * highest value), the number of training cases and the file ending.
 */
public record DatasetJson(
        Map<Integer, String> channelNames,
        Map<String, Integer> labels,
        int numTraining,
        String fileEnding,
        int ignoreLabel) {

    public static DatasetJson read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(file, "is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode channels =
                root.path("channel_names").isMissingNode() ? root.path("modality") : root.path("channel_names");
        if (!channels.isObject() || channels.isEmpty())
            throw new FormatException(file, "needs a non-empty 'channel_names' object");
        Map<Integer, String> channelNames = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : channels.properties()) {
            try {
                channelNames.put(Integer.parseInt(e.getKey()), e.getValue().asText());
            } catch (NumberFormatException ex) {
                throw new FormatException(file, "channel_names key '" + e.getKey() + "' is not a channel index");
            }
        }
        for (int i = 0; i < channelNames.size(); i++) {
            if (!channelNames.containsKey(i))
                throw new FormatException(
                        file, "channel_names must number the channels 0.." + (channelNames.size() - 1));
        }
        JsonNode labelNode = root.path("labels");
        if (!labelNode.isObject() || labelNode.isEmpty())
            throw new FormatException(file, "needs a non-empty 'labels' object");
        Map<String, Integer> labels = new LinkedHashMap<>();
        int ignore = -1;
        for (Map.Entry<String, JsonNode> e : labelNode.properties()) {
            if (!e.getValue().canConvertToInt()) {
                throw new FormatException(
                        file, "label '" + e.getKey() + "' is not an integer (region-based labels are not supported)");
            }
            int v = e.getValue().asInt();
            if (e.getKey().equals("ignore")) ignore = v;
            else labels.put(e.getKey(), v);
        }
        if (!labels.containsValue(0)) throw new FormatException(file, "labels must include background = 0");
        for (int v = 0; v < labels.size(); v++) {
            if (!labels.containsValue(v))
                throw new FormatException(file, "label values must be consecutive from 0; " + v + " is missing");
        }
        if (ignore >= 0 && ignore != labels.size()) {
            throw new FormatException(
                    file, "the ignore label must be the highest value (" + labels.size() + "), not " + ignore);
        }
        if (!root.path("numTraining").canConvertToInt())
            throw new FormatException(file, "needs an integer 'numTraining'");
        String ending = root.path("file_ending").asText("");
        if (!ending.startsWith(".") || ending.contains("/") || ending.contains("\\") || ending.contains("..")) {
            throw new FormatException(file, "file_ending '" + ending + "' must be like .nii.gz (no path separators)");
        }
        return new DatasetJson(channelNames, labels, root.path("numTraining").asInt(), ending, ignore);
    }

    /** Class count K (background included, the ignore label not). */
    public int numClasses() {
        return labels.size();
    }
}
