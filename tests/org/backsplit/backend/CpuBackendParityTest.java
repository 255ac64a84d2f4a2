package org.backsplit.backend;

import java.util.stream.Stream;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.backend.reference.ReferenceBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The float32 CPU backend against the double-precision reference; 3 threads, so splits must not matter. */
class CpuBackendParityTest extends BackendParityContract {
    private static final CpuBackend CPU = new CpuBackend(3);

    @Override
    Backend oracleBackend() {
        return new ReferenceBackend();
    }

    @Override
    Backend candidateBackend() {
        return CPU;
    }

    static Stream<OpCases.Conv> rowBlockConvs() {
        return OpCases.ROW_BLOCK_CONVS.stream();
    }

    /** The CPU kernel's 8-row and vector-and-a-half blocks (the GPU has its own tile cases). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rowBlockConvs")
    void convolutionRowBlocks(OpCases.Conv c) {
        convolutionAllPasses(c);
    }
}
