package org.backsplit.backend.cuda;

/** A device address passed to a kernel: a tensor's storage, a place inside it, or NULL. */
@FunctionalInterface
interface DevicePointer {
    DevicePointer NULL = () -> 0L;

    long address();

    /** The address `bytes` further on (a slot of a buffer of partial sums, say). */
    default DevicePointer plusBytes(long bytes) {
        long at = address() + bytes;
        return () -> at;
    }
}
