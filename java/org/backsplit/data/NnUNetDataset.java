package org.backsplit.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.io.FormatException;

/**
 * A dataset in nnU-Net v2's raw layout: dataset.json, imagesTr/CASE_0000.ext (one file per channel), labelsTr/CASE.ext,
 * optional imagesTs/. Case identifiers come from the file names found, so no name read from dataset.json can point
 * outside the folder.
 */
public final class NnUNetDataset {
    /** One case: its channel images in channel order, and its label map (null for test cases). */
    public record Case(String id, List<Path> images, Path label) {}

    private final Path root;
    private final DatasetJson json;
    private final List<Case> training;
    private final List<Case> test;

    private NnUNetDataset(Path root, DatasetJson json, List<Case> training, List<Case> test) {
        this.root = root;
        this.json = json;
        this.training = List.copyOf(training);
        this.test = List.copyOf(test);
    }

    public static NnUNetDataset open(Path root) throws IOException {
        if (!Files.isDirectory(root)) throw new FormatException(root, "is not a folder");
        Path jsonFile = root.resolve("dataset.json");
        if (!Files.isRegularFile(jsonFile)) throw new FormatException(root, "has no dataset.json");
        DatasetJson json = DatasetJson.read(jsonFile);
        List<Case> training = cases(root.resolve("imagesTr"), root.resolve("labelsTr"), json, true);
        if (training.size() != json.numTraining()) {
            throw new FormatException(
                    jsonFile,
                    "says numTraining = " + json.numTraining() + " but imagesTr holds " + training.size() + " cases");
        }
        List<Case> test = Files.isDirectory(root.resolve("imagesTs"))
                ? cases(root.resolve("imagesTs"), null, json, false)
                : List.of();
        return new NnUNetDataset(root, json, training, test);
    }

    /** The cases of a folder of images named as in imagesTs (CASE_0000.nii.gz ...), without labels. */
    public static List<Case> imagesIn(Path folder, DatasetJson json) throws IOException {
        return cases(folder, null, json, true);
    }

    private static List<Case> cases(Path images, Path labels, DatasetJson json, boolean required) throws IOException {
        if (!Files.isDirectory(images)) {
            if (required) throw new FormatException(images, "is missing");
            return List.of();
        }
        Pattern name = Pattern.compile("(.+)_(\\d{4})" + Pattern.quote(json.fileEnding()));
        TreeMap<String, TreeMap<Integer, Path>> byCase = new TreeMap<>();
        try (Stream<Path> files = Files.list(images)) {
            for (Path f : files.sorted().toList()) {
                Matcher m = name.matcher(f.getFileName().toString());
                if (!m.matches()) continue;
                byCase.computeIfAbsent(m.group(1), k -> new TreeMap<>()).put(Integer.parseInt(m.group(2)), f);
            }
        }
        int channels = json.channelNames().size();
        List<Case> out = new ArrayList<>();
        for (Map.Entry<String, TreeMap<Integer, Path>> e : byCase.entrySet()) {
            List<Path> files = new ArrayList<>();
            for (int c = 0; c < channels; c++) {
                Path f = e.getValue().get(c);
                if (f == null)
                    throw new FormatException(
                            images,
                            "case " + e.getKey() + " lacks channel " + c + " (" + e.getKey() + String.format("_%04d", c)
                                    + json.fileEnding() + ")");
                files.add(f);
            }
            if (e.getValue().size() != channels) {
                throw new FormatException(
                        images,
                        "case " + e.getKey() + " has " + e.getValue().size() + " channel files, dataset.json names "
                                + channels);
            }
            Path label = null;
            if (labels != null) {
                label = labels.resolve(e.getKey() + json.fileEnding());
                if (!Files.isRegularFile(label))
                    throw new FormatException(label, "is missing (the label of case " + e.getKey() + ")");
            }
            out.add(new Case(e.getKey(), files, label));
        }
        return out;
    }

    public Path root() {
        return root;
    }

    public DatasetJson json() {
        return json;
    }

    public List<Case> training() {
        return training;
    }

    public List<Case> test() {
        return test;
    }

    public List<String> trainingIds() {
        return training.stream().map(Case::id).toList();
    }

    /**
     * Reads every training case and checks what would otherwise go wrong silently: channels and label on one grid (same
     * dimensions, affines within 1e-4 mm), label values all in dataset.json, no NaN or infinity in an image. Throws on
     * the first problem, naming the file.
     */
    public void verify() throws IOException {
        for (Case c : training) {
            NiftiImage label = Nifti.read(c.label());
            for (Path p : c.images()) {
                NiftiImage img = Nifti.read(p);
                sameGrid(p, img, c.label(), label);
                for (int i = 0; i < img.data().length; i++) {
                    if (!Float.isFinite(img.data()[i]))
                        throw new FormatException(p, "voxel " + i + " is " + img.data()[i]);
                }
            }
            boolean[] allowed = new boolean[Math.max(json.numClasses(), json.ignoreLabel() + 1)];
            for (int v : json.labels().values()) allowed[v] = true;
            if (json.ignoreLabel() >= 0) allowed[json.ignoreLabel()] = true;
            for (float v : label.data()) {
                int k = (int) v;
                if (k != v || k < 0 || k >= allowed.length || !allowed[k]) {
                    throw new FormatException(
                            c.label(), "holds label value " + v + ", which dataset.json does not define");
                }
            }
        }
    }

    private static void sameGrid(Path a, NiftiImage ia, Path b, NiftiImage ib) throws FormatException {
        int[] da = ia.dims(), db = ib.dims();
        if (da.length < 3 || db.length < 3 || da[0] != db[0] || da[1] != db[1] || da[2] != db[2]) {
            throw new FormatException(
                    a,
                    "has dimensions " + java.util.Arrays.toString(da) + " but its label " + b.getFileName() + " has "
                            + java.util.Arrays.toString(db));
        }
        double[][] aa = ia.affine(), ab = ib.affine();
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 4; c++) {
                if (Math.abs(aa[r][c] - ab[r][c]) > 1e-4) {
                    throw new FormatException(
                            a,
                            "and its label " + b.getFileName() + " have different geometry (affine[" + r + "][" + c
                                    + "] " + aa[r][c] + " vs " + ab[r][c] + ")");
                }
            }
    }
}
