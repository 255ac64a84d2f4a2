package org.backsplit.data.compose;

import java.util.List;
import java.util.Map;

/**
 * What composing one case did: voxels per output class, auxiliary voxels overwritten by the lesion, voxels claimed by
 * two auxiliary structures (the earlier one in the user's order wins), the structures asked for but absent, and whether
 * the case had auxiliary labels at all.
 */
public record CaseComposition(
        String caseId,
        Map<String, Long> voxels,
        long auxUnderLesion,
        long auxOverlaps,
        List<String> missingStructures,
        boolean auxiliaryAnnotated) {}
