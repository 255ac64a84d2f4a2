package org.backsplit.backend;

import java.util.Locale;

/**
 * The arithmetic of the convolutions. Everything else (norms, softmax, loss, optimizer) is fp32 with double-precision
 * reductions whatever the choice. Only the CUDA backend offers more than FP32.
 */
public enum Precision {
    /** fp32 multiply-adds on the CUDA cores (and everywhere on the CPU). */
    FP32,
    /** Operands rounded to TF32 (10 mantissa bits) on the tensor cores, fp32 accumulation: PyTorch's allow_tf32. */
    TF32,
    /**
     * Operands rounded to BF16 (7 mantissa bits) on the tensor cores, fp32 accumulation, as PyTorch's autocast
     * multiplies. Activations, weights and everything outside the convolutions stay fp32 in memory.
     */
    BF16;

    /** The name on the command line: fp32, tf32. */
    public String flagValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a command-line value (case-insensitive), or says which values exist. */
    public static Precision parse(String value) {
        for (Precision p : values()) {
            if (p.flagValue().equalsIgnoreCase(value)) return p;
        }
        throw new IllegalArgumentException("precision must be fp32, tf32 or bf16, not '" + value + "'");
    }
}
