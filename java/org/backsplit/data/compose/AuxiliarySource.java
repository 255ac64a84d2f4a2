package org.backsplit.data.compose;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where one case's auxiliary structures come from: a multi-label map with its own label table (as a pretrained organ
 * model such as TotalSegmentator writes it), a folder of binary masks (one file per structure, named STRUCTURE + file
 * ending), or nothing (a partially annotated case).
 */
public sealed interface AuxiliarySource {

    /** A label map whose values mean the structures in `table` (value to source structure name). */
    record LabelMap(Path file, Map<Integer, String> table) implements AuxiliarySource {}

    /** A folder with one binary mask per structure; `fileEnding` such as ".nii.gz". */
    record MaskFolder(Path folder, String fileEnding) implements AuxiliarySource {}

    /** No auxiliary labels for this case. */
    record None() implements AuxiliarySource {}
}
