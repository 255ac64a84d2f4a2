package org.backsplit.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;

/** Scores every reference label map of a folder against the prediction of the same file name. */
public final class FolderEvaluation {
    private FolderEvaluation() {}

    /** One row per case and label, cases in file-name order; spacing from the reference headers. */
    public static List<CaseMetrics> score(Path predictions, Path references, List<Integer> labels, double toleranceMm)
            throws IOException {
        return score(List.of(predictions), references, labels, toleranceMm).get(0);
    }

    /** The same for several prediction folders at once, reading each reference once: one list per folder. */
    public static List<List<CaseMetrics>> score(
            List<Path> predictionFolders, Path references, List<Integer> labels, double toleranceMm)
            throws IOException {
        List<Path> refs = niftiFiles(references);
        if (refs.isEmpty()) throw new IllegalArgumentException(references + ": holds no .nii or .nii.gz files");
        return scoreFiles(predictionFolders, refs, labels, toleranceMm);
    }

    /** The .nii and .nii.gz files of a folder, by name. */
    public static List<Path> niftiFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().matches(".*\\.nii(\\.gz)?"))
                    .sorted()
                    .toList();
        }
    }

    /** The same for the listed reference files only (a fold's validation cases in labelsTr, say). */
    public static List<List<CaseMetrics>> scoreFiles(
            List<Path> predictionFolders, List<Path> refs, List<Integer> labels, double toleranceMm)
            throws IOException {
        List<List<CaseMetrics>> rows = new ArrayList<>();
        for (int f = 0; f < predictionFolders.size(); f++) rows.add(new ArrayList<>());
        for (Path r : refs) {
            String name = r.getFileName().toString();
            String id = name.replaceAll("\\.nii(\\.gz)?$", "");
            NiftiImage reference = Nifti.read(r);
            int[] dims = {reference.dims()[0], reference.dims()[1], reference.dims()[2]};
            for (int f = 0; f < predictionFolders.size(); f++) {
                Path p = predictionFolders.get(f).resolve(name);
                if (!Files.isRegularFile(p))
                    throw new IllegalArgumentException(p + ": is missing (the prediction for " + r + ")");
                NiftiImage prediction = Nifti.read(p);
                if (!Arrays.equals(reference.dims(), prediction.dims())) {
                    throw new IllegalArgumentException(p + ": its grid " + Arrays.toString(prediction.dims())
                            + " differs from the reference's " + Arrays.toString(reference.dims()));
                }
                for (int label : labels)
                    rows.get(f)
                            .add(CaseMetrics.of(
                                    id,
                                    label,
                                    prediction.data(),
                                    reference.data(),
                                    dims,
                                    reference.spacing(),
                                    toleranceMm));
            }
        }
        return rows;
    }
}
