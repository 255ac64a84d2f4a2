package org.backsplit.data.nifti;

/** The NIfTI datatype codes we read and write: 8-64 bit integers and floats. */
public enum NiftiDatatype {
    UINT8(2, 1, "uint8"),
    INT8(256, 1, "int8"),
    INT16(4, 2, "int16"),
    UINT16(512, 2, "uint16"),
    INT32(8, 4, "int32"),
    FLOAT32(16, 4, "float32"),
    FLOAT64(64, 8, "float64");

    final int code;
    final int bytes;
    private final String label;

    NiftiDatatype(int code, int bytes, String label) {
        this.code = code;
        this.bytes = bytes;
        this.label = label;
    }

    /** The type for a code, or null when unsupported. */
    static NiftiDatatype of(int code) {
        for (NiftiDatatype t : values()) if (t.code == code) return t;
        return null;
    }

    public String label() {
        return label;
    }
}
