package org.backsplit.run;

import java.util.LinkedHashMap;
import java.util.Map;
import org.backsplit.backend.Backend;
import org.backsplit.nn.Parameter;
import org.backsplit.nn.SegmentationNetwork;

/**
 * Starts a network from another one's weights (the paper's §4.6 and §J: a binary model fine-tuned into a BackSplit
 * one). Every parameter of the same name and shape is copied. The segmentation heads may differ in their number of
 * classes: the classes both share come first in either layout (background, then the targets), so their output rows are
 * copied and the new auxiliary rows keep their fresh initialisation.
 */
public final class WeightTransfer {
    private WeightTransfer() {}

    /** @return how many parameters were copied whole and how many heads were grown */
    public static String copy(SegmentationNetwork from, SegmentationNetwork into) {
        Map<String, Parameter> source = new LinkedHashMap<>();
        for (Parameter p : from.parameters()) source.put(p.name(), p);
        Backend b = into.backend();
        int whole = 0, grown = 0;
        for (Parameter p : into.parameters()) {
            Parameter s = source.get(p.name());
            if (s == null)
                throw new IllegalArgumentException(
                        "the initial weights lack " + p.name() + ": not the same network topology");
            var want = p.value().shape();
            var have = s.value().shape();
            float[] src = from.backend().download(s.value());
            if (want.equals(have)) {
                p.set(b.upload(src, want));
                whole++;
                continue;
            }
            boolean head = into.isSegmentationHead(p);
            int rowsWant = want.dim(0), rowsHave = have.dim(0);
            if (!head || want.size() / rowsWant != have.size() / rowsHave) {
                throw new IllegalArgumentException(p.name() + ": shape " + have + " in the initial weights, " + want
                        + " here; only the " + "segmentation heads may differ (in their number of classes)");
            }
            float[] dst = b.download(p.value());
            int perRow = (int) (want.size() / rowsWant);
            System.arraycopy(src, 0, dst, 0, Math.min(rowsWant, rowsHave) * perRow);
            p.set(b.upload(dst, want));
            grown++;
        }
        return whole + " parameters copied, " + grown + " segmentation heads grown";
    }
}
