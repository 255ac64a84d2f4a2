package org.backsplit.backend.cuda;

/** A CUDA driver call that failed: the message names the call (and, for a launch, the kernel and its shape). */
public final class CudaException extends RuntimeException {
    public CudaException(String message) {
        super(message);
    }
}
