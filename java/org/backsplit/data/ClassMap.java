package org.backsplit.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.LossSpec;

/**
 * From a dataset's label values to training classes, for one training mode. Training classes are numbered background 0,
 * then the targets, then the auxiliary classes (BackSplit) or the virtual class (virtual). Label values above the
 * classes are special: `ignore` (excluded from the loss) and, in BackSplit mode, `merged` for the non-target voxels of
 * cases whose auxiliary structures are not annotated: there the loss is the marginal one over background and the
 * auxiliary classes (LossSpec#mergedLabel), so a missing auxiliary label is never taught as background. With naive
 * partial handling (the paper's Fig. 3, right) such voxels simply stay background.
 */
public final class ClassMap {
    private final TrainingMode mode;
    private final List<String> classNames;
    private final int[] lookup; // dataset label value -> training class (or ignore)
    private final int targets;
    private final int auxiliary;
    private final int ignore;
    private final int merged;
    private final boolean marginalForPartialCases;

    /**
     * @param labels dataset.json's labels (name to value, background 0)
     * @param targetNames the lesion classes the model is judged on
     * @param auxNames the auxiliary structures (in BackSplit mode they become classes)
     * @param ignoreValue dataset.json's ignore label value, or -1
     * @param marginal true: partial cases take the marginal loss; false: their missing labels count as background
     */
    public ClassMap(
            Map<String, Integer> labels,
            List<String> targetNames,
            List<String> auxNames,
            int ignoreValue,
            TrainingMode mode,
            boolean marginal) {
        this.mode = mode;
        if (targetNames.isEmpty()) throw new IllegalArgumentException("name at least one target class");
        for (String n : targetNames) {
            if (!labels.containsKey(n))
                throw new IllegalArgumentException(
                        "target '" + n + "' is not a label of the dataset " + labels.keySet());
            if (auxNames.contains(n))
                throw new IllegalArgumentException("'" + n + "' is named both target and auxiliary");
        }
        for (String n : auxNames) {
            if (!labels.containsKey(n))
                throw new IllegalArgumentException(
                        "auxiliary '" + n + "' is not a label of the dataset " + labels.keySet());
            if (labels.get(n) == 0) throw new IllegalArgumentException("background cannot be auxiliary");
        }
        classNames = new ArrayList<>();
        classNames.add("background");
        classNames.addAll(targetNames);
        if (mode == TrainingMode.BACKSPLIT) classNames.addAll(auxNames);
        if (mode == TrainingMode.VIRTUAL) classNames.add("virtual");
        this.targets = targetNames.size();
        this.auxiliary = mode == TrainingMode.BACKSPLIT ? auxNames.size() : 0;
        int k = classNames.size();
        this.ignore = k;
        this.merged = mode == TrainingMode.BACKSPLIT && marginal && !auxNames.isEmpty() ? k + 1 : -1;
        this.marginalForPartialCases = merged >= 0;
        int max = Math.max(
                ignoreValue,
                labels.values().stream().mapToInt(Integer::intValue).max().orElse(0));
        lookup = new int[max + 1];
        for (Map.Entry<String, Integer> e : labels.entrySet()) {
            int t = targetNames.indexOf(e.getKey()), a = auxNames.indexOf(e.getKey());
            lookup[e.getValue()] = t >= 0 ? 1 + t : a >= 0 && mode == TrainingMode.BACKSPLIT ? 1 + targets + a : 0;
        }
        if (ignoreValue >= 0) lookup[ignoreValue] = ignore;
    }

    /** Targets from the names, every other non-background label auxiliary. */
    public static ClassMap of(DatasetJson json, List<String> targetNames, TrainingMode mode, boolean marginal) {
        List<String> aux = new ArrayList<>();
        for (Map.Entry<String, Integer> e : json.labels().entrySet()) {
            if (e.getValue() != 0 && !targetNames.contains(e.getKey())) aux.add(e.getKey());
        }
        return new ClassMap(json.labels(), targetNames, aux, json.ignoreLabel(), mode, marginal);
    }

    /** The class layout a network with `outputs` classes was trained with: BackSplit or binary, if either fits. */
    public static java.util.Optional<ClassMap> forOutputs(DatasetJson json, List<String> targetNames, int outputs) {
        for (TrainingMode mode : List.of(TrainingMode.BACKSPLIT, TrainingMode.BINARY)) {
            ClassMap m = of(json, targetNames, mode, false);
            if (m.numClasses() == outputs) return java.util.Optional.of(m);
        }
        return java.util.Optional.empty();
    }

    /**
     * Training labels for one case. `auxiliaryAnnotated` false marks a case whose auxiliary structures are not
     * annotated (its non-target voxels are labelled background in the file): with the marginal loss they get the merged
     * label.
     */
    public float[] remap(float[] datasetLabels, boolean auxiliaryAnnotated) {
        float[] out = new float[datasetLabels.length];
        boolean partial = !auxiliaryAnnotated && marginalForPartialCases;
        for (int i = 0; i < out.length; i++) {
            if (datasetLabels[i] == -1) { // outside the image after cropping: the loader turns it into background
                out[i] = -1;
                continue;
            }
            int v = (int) datasetLabels[i];
            if (v != datasetLabels[i] || v < 0 || v >= lookup.length) {
                throw new IllegalArgumentException(
                        "label value " + datasetLabels[i] + " at voxel " + i + " is not in the dataset's labels");
            }
            int c = lookup[v];
            out[i] = partial && c == 0 ? merged : c;
        }
        return out;
    }

    /** The loss for these classes: nnU-Net's DC+CE, Dice over the foreground classes (or the targets only). */
    public LossSpec lossSpec(boolean batchDice, boolean diceOnTargetsOnly) {
        int k = classNames.size();
        LossSpec spec = LossSpec.nnUNet(k, batchDice, ignore);
        if (diceOnTargetsOnly) spec = spec.withDiceClasses(targetClasses());
        if (merged >= 0) {
            int[] m = new int[1 + auxiliary];
            for (int i = 0; i < auxiliary; i++) m[1 + i] = 1 + targets + i;
            spec = spec.withMergedLabel(merged, m);
        }
        return spec;
    }

    /** Training indices of the target classes: 1..T. */
    public int[] targetClasses() {
        int[] t = new int[targets];
        for (int i = 0; i < targets; i++) t[i] = 1 + i;
        return t;
    }

    public List<String> classNames() {
        return List.copyOf(classNames);
    }

    public int numClasses() {
        return classNames.size();
    }

    public TrainingMode mode() {
        return mode;
    }

    /**
     * Training class -> the dataset.json label value a prediction writes for it: the targets always, the auxiliary
     * classes only when asked (else background), the virtual class never (no voxel carries it).
     */
    public int[] datasetValues(Map<String, Integer> datasetLabels, boolean withAuxiliary) {
        int[] v = new int[classNames.size()];
        for (int k = 1; k < v.length; k++) {
            Integer value = datasetLabels.get(classNames.get(k));
            if (value != null && (k <= targets || withAuxiliary)) v[k] = value;
        }
        return v;
    }

    @Override
    public String toString() {
        return mode + " " + classNames + " ignore=" + ignore + " merged=" + merged + " lookup="
                + Arrays.toString(lookup);
    }
}
