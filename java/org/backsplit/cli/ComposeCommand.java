package org.backsplit.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.compose.AuxiliarySource;
import org.backsplit.data.compose.DatasetComposer;
import org.backsplit.data.compose.LabelComposer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** BackSplit labels from a lesion dataset plus auxiliary structures from elsewhere. */
@Command(
        name = "compose",
        mixinStandardHelpOptions = true,
        description =
                "Writes a BackSplit dataset in nnU-Net's layout: the images of SOURCE, labels composed from its lesion labels and "
                        + "auxiliary structures (a label map per case, e.g. TotalSegmentator's output, or a folder of binary masks per case), "
                        + "resampled through the affines onto the lesion grid; the lesion wins overlaps. Cases with no auxiliary file are kept "
                        + "and listed as without auxiliary labels (trained with the marginal loss). Also writes composition_report.json.")
final class ComposeCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "the lesion dataset (dataset.json, imagesTr, labelsTr)")
    Path source;

    @Option(names = "--out", required = true, description = "the composed dataset folder")
    Path out;

    @Option(
            names = "--targets",
            required = true,
            split = ",",
            description = "the lesion classes of SOURCE's dataset.json")
    List<String> targets;

    @Option(
            names = "--aux",
            required = true,
            description = "folder of auxiliary labels: CASE<file ending> label maps, or CASE/ folders of masks")
    Path aux;

    @Option(
            names = "--aux-table",
            split = ",",
            description = "for label maps: value=structure pairs, e.g. 5=liver,1=spleen (omit for mask folders)")
    Map<Integer, String> table;

    @Option(
            names = "--select",
            required = true,
            split = ",",
            description =
                    "structures to keep, in priority order, as structure or structure=class (several structures may share a class)")
    List<String> select;

    @Override
    public Integer call() throws Exception {
        NnUNetDataset data = NnUNetDataset.open(source);
        for (String t : targets) {
            if (!data.json().labels().containsKey(t))
                throw new IllegalArgumentException(source.resolve("dataset.json") + ": has no label '" + t + "'");
        }
        var selection = new LinkedHashMap<String, String>();
        for (String s : select) {
            String[] kv = s.split("=", 2);
            selection.put(kv[0], kv.length == 2 ? kv[1] : kv[0]);
        }
        String ending = data.json().fileEnding();
        LabelComposer composer = new LabelComposer(targets, selection);
        DatasetComposer.Report r = DatasetComposer.compose(
                data,
                composer,
                targets,
                id -> {
                    if (table != null) {
                        Path f = aux.resolve(id + ending);
                        return Files.isRegularFile(f)
                                ? new AuxiliarySource.LabelMap(f, table)
                                : new AuxiliarySource.None();
                    }
                    Path folder = aux.resolve(id);
                    return Files.isDirectory(folder)
                            ? new AuxiliarySource.MaskFolder(folder, ending)
                            : new AuxiliarySource.None();
                },
                out);
        System.out.printf(
                "composed %d cases into %s: labels %s; %d without auxiliary labels; report %s%n",
                r.cases().size(),
                out,
                composer.labels(),
                r.casesWithoutAuxiliary().size(),
                out.resolve("composition_report.json"));
        return 0;
    }
}
