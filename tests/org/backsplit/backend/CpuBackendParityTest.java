package org.backsplit.backend;

import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.backend.reference.ReferenceBackend;

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
}
