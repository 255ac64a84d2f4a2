package org.backsplit.data.compose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.io.FormatException;

/**
 * BackSplit's training labels from a lesion map and auxiliary structures from elsewhere. The output label table is
 * background 0, the lesion classes (as the lesion map numbers them, 1..T), then the auxiliary classes in the user's
 * order. Auxiliary masks on another grid are resampled onto the lesion map's grid through their affines (nearest
 * neighbour). The lesion wins where they overlap; between two auxiliary structures the earlier one wins. `selection`
 * chooses, merges and renames source structures: source name to output class name (several sources may share an output
 * name; sources not listed are dropped).
 */
public final class LabelComposer {
    private final List<String> lesionClasses;
    private final List<String> auxClasses;
    private final Map<String, String> selection;

    /** `selection` is ordered (the order numbers the auxiliary classes and decides overlaps), hence a SequencedMap. */
    public LabelComposer(List<String> lesionClasses, SequencedMap<String, String> selection) {
        this.lesionClasses = List.copyOf(lesionClasses);
        this.selection = new LinkedHashMap<>(selection);
        List<String> aux = new ArrayList<>();
        for (String out : selection.values()) {
            if (lesionClasses.contains(out))
                throw new IllegalArgumentException("auxiliary class '" + out + "' has a lesion class's name");
            if (!aux.contains(out)) aux.add(out);
        }
        this.auxClasses = List.copyOf(aux);
    }

    /** The composed label table: name to value. */
    public Map<String, Integer> labels() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("background", 0);
        for (int i = 0; i < lesionClasses.size(); i++) m.put(lesionClasses.get(i), 1 + i);
        for (int i = 0; i < auxClasses.size(); i++) m.put(auxClasses.get(i), 1 + lesionClasses.size() + i);
        return m;
    }

    public List<String> auxiliaryClasses() {
        return auxClasses;
    }

    /** The composed labels (x fastest, on the lesion map's grid) and what composing did. */
    public record Result(float[] labels, CaseComposition report) {}

    public Result compose(String caseId, NiftiImage lesion, AuxiliarySource aux) throws IOException {
        int n = lesion.data().length, t = lesionClasses.size();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float v = lesion.data()[i];
            if (v != (int) v || v < 0 || v > t) {
                throw new IllegalArgumentException(
                        caseId + ": lesion map value " + v + " at voxel " + i + " is not one of 0.." + t);
            }
            out[i] = v;
        }
        Map<String, float[]> masks = auxiliaryMasks(caseId, lesion, aux); // output class -> 0/1 on the lesion grid
        long underLesion = 0, overlaps = 0;
        List<String> missing = new ArrayList<>();
        boolean annotated = !(aux instanceof AuxiliarySource.None);
        for (int a = 0; a < auxClasses.size(); a++) {
            float[] m = masks.get(auxClasses.get(a));
            if (m == null) {
                if (annotated) missing.add(auxClasses.get(a));
                continue;
            }
            float value = 1 + t + a;
            for (int i = 0; i < n; i++) {
                if (m[i] == 0) continue;
                if (out[i] == 0) out[i] = value;
                else if (out[i] <= t) underLesion++;
                else overlaps++;
            }
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        long[] c = new long[1 + t + auxClasses.size()];
        for (float v : out) c[(int) v]++;
        labels().forEach((name, v) -> counts.put(name, c[v]));
        return new Result(out, new CaseComposition(caseId, counts, underLesion, overlaps, missing, annotated));
    }

    private Map<String, float[]> auxiliaryMasks(String caseId, NiftiImage grid, AuxiliarySource aux)
            throws IOException {
        Map<String, float[]> masks = new LinkedHashMap<>();
        switch (aux) {
            case AuxiliarySource.None none -> {}
            case AuxiliarySource.LabelMap map -> {
                float[] values = Regrid.nearest(Nifti.read(map.file()), grid);
                for (Map.Entry<Integer, String> e : map.table().entrySet()) {
                    String out = selection.get(e.getValue());
                    if (out == null) continue;
                    float[] m = masks.computeIfAbsent(out, k -> new float[values.length]);
                    for (int i = 0; i < values.length; i++) if (values[i] == e.getKey()) m[i] = 1;
                }
            }
            case AuxiliarySource.MaskFolder folder -> {
                if (!Files.isDirectory(folder.folder()))
                    throw new FormatException(folder.folder(), "is not a folder (auxiliary masks of " + caseId + ")");
                for (Map.Entry<String, String> e : selection.entrySet()) {
                    Path f = folder.folder().resolve(e.getKey() + folder.fileEnding());
                    if (!f.normalize().startsWith(folder.folder().normalize()))
                        throw new IllegalArgumentException("structure name escapes its folder: " + e.getKey());
                    if (!Files.exists(f)) continue;
                    float[] values = Regrid.nearest(Nifti.read(f), grid);
                    float[] m = masks.computeIfAbsent(e.getValue(), k -> new float[values.length]);
                    for (int i = 0; i < values.length; i++) if (values[i] != 0) m[i] = 1;
                }
            }
        }
        return masks;
    }
}
