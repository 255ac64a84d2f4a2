package org.backsplit.data.compose;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.io.AtomicFiles;

/**
 * Writes a BackSplit dataset in nnU-Net's layout from a lesion-only dataset and auxiliary structures from elsewhere:
 * the images copied, labelsTr composed by a {@link LabelComposer}, a dataset.json whose labels are the composed table
 * and whose "backsplit" entry names the targets, the auxiliary classes and the cases without auxiliary labels (trained
 * with the marginal loss), and composition_report.json (per case and in total).
 */
public final class DatasetComposer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private DatasetComposer() {}

    /** The totals of a composition: voxels per class, overlaps, and the cases that lacked auxiliary labels. */
    public record Report(
            List<CaseComposition> cases,
            Map<String, Long> voxels,
            long auxUnderLesion,
            long auxOverlaps,
            List<String> casesWithoutAuxiliary,
            Map<String, List<String>> missingStructures) {}

    public static Report compose(
            NnUNetDataset source,
            LabelComposer composer,
            List<String> targets,
            Function<String, AuxiliarySource> auxiliaryOf,
            Path out)
            throws IOException {
        Files.createDirectories(out.resolve("imagesTr"));
        Files.createDirectories(out.resolve("labelsTr"));
        String ending = source.json().fileEnding();
        List<CaseComposition> cases = new ArrayList<>();
        for (NnUNetDataset.Case c : source.training()) {
            for (Path img : c.images()) {
                Path dst = out.resolve("imagesTr").resolve(img.getFileName());
                AtomicFiles.write(dst, tmp -> Files.copy(img, tmp, StandardCopyOption.REPLACE_EXISTING));
            }
            NiftiImage lesion = Nifti.read(c.label());
            LabelComposer.Result r = composer.compose(c.id(), lesion, auxiliaryOf.apply(c.id()));
            Nifti.write(out.resolve("labelsTr").resolve(c.id() + ending), lesion, r.labels(), NiftiDatatype.UINT8);
            cases.add(r.report());
        }
        Map<String, Long> voxels = new LinkedHashMap<>();
        long under = 0, overlaps = 0;
        List<String> partial = new ArrayList<>();
        Map<String, List<String>> missing = new LinkedHashMap<>();
        for (CaseComposition c : cases) {
            c.voxels().forEach((k, v) -> voxels.merge(k, v, Long::sum));
            under += c.auxUnderLesion();
            overlaps += c.auxOverlaps();
            if (!c.auxiliaryAnnotated()) partial.add(c.caseId());
            if (!c.missingStructures().isEmpty()) missing.put(c.caseId(), c.missingStructures());
        }
        Report report = new Report(cases, voxels, under, overlaps, partial, missing);

        Map<String, Object> json = new LinkedHashMap<>();
        Map<String, String> channels = new LinkedHashMap<>();
        source.json().channelNames().forEach((k, v) -> channels.put(String.valueOf(k), v));
        json.put("channel_names", channels);
        json.put("labels", composer.labels());
        json.put("numTraining", cases.size());
        json.put("file_ending", ending);
        Map<String, Object> backsplit = new LinkedHashMap<>();
        backsplit.put("targets", targets);
        backsplit.put("auxiliary", composer.auxiliaryClasses());
        backsplit.put("cases_without_auxiliary", partial);
        json.put("backsplit", backsplit);
        AtomicFiles.writeString(out.resolve("dataset.json"), JSON.writeValueAsString(json));
        AtomicFiles.writeString(out.resolve("composition_report.json"), JSON.writeValueAsString(report));
        return report;
    }
}
