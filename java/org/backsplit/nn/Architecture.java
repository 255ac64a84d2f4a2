package org.backsplit.nn;

import java.util.Arrays;
import java.util.Locale;
import org.backsplit.backend.Backend;

/**
 * The networks the engine trains: nnU-Net's PlainConvUNet and ResidualEncoderUNet (3D and 2D), MONAI's SegResNet and
 * MONAI's SwinUNETR. The checkpoint records the name; the command line takes the short one.
 */
public enum Architecture {
    UNET("unet", "PlainConvUNet"),
    RESENC("resenc", "ResidualEncoderUNet"),
    SEGRESNET("segresnet", "SegResNet"),
    UNET2D("unet2d", "PlainConvUNet2d"),
    RESENC2D("resenc2d", "ResidualEncoderUNet2d"),
    SWINUNETR("swinunetr", "SwinUNETR");

    /** nnU-Net's ResEnc presets: residual blocks per encoder stage (the decoder has one convolution per stage). */
    static final int[] RESENC_BLOCKS = {1, 3, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6};
    /** MONAI SegResNet's defaults, as the paper uses them: blocks_down (1, 2, 2, 4), blocks_up (1, 1, 1). */
    static final int[] SEGRESNET_DOWN = {1, 2, 2, 4};

    static final int[] SEGRESNET_UP = {1, 1, 1};

    private final String shortName;
    private final String checkpointName;

    Architecture(String shortName, String checkpointName) {
        this.shortName = shortName;
        this.checkpointName = checkpointName;
    }

    /** True for the 2D networks (slices: kernels and strides 1 along z, nn.Conv2d layouts). */
    public boolean planar() {
        return this == UNET2D || this == RESENC2D;
    }

    /** The command line's name: unet, resenc, segresnet, unet2d, resenc2d. */
    public String shortName() {
        return shortName;
    }

    /** The name in a checkpoint's state.json and the run folder's configuration (nnU-Net's class names). */
    public String checkpointName() {
        return checkpointName;
    }

    public SegmentationNetwork build(Backend backend, UNetPlan plan) {
        return switch (this) {
            case UNET -> UNet.plain(backend, plan, false);
            case UNET2D -> UNet.plain(backend, plan, true);
            case RESENC -> UNet.residualEncoder(backend, plan, false);
            case RESENC2D -> UNet.residualEncoder(backend, plan, true);
            case SEGRESNET -> new SegResNet(backend, plan);
            case SWINUNETR -> new SwinUNETR(backend, plan);
        };
    }

    /**
     * The topology on a dataset plan's kernels and strides (network axis order z, y, x; a 2D plan has 1 along z),
     * widths min(base * 2^i, cap). SegResNet ignores them: MONAI's network is four levels of 3x3x3 convolutions with
     * stride 2 and widths base * 2^i (base = init_filters). SwinUNETR ignores them too: base is its feature_size.
     */
    public UNetPlan plan(int inputChannels, int numClasses, int[][] kernels, int[][] strides, int base, int cap) {
        return switch (this) {
            case UNET, UNET2D -> UNetPlan.withKernelsAndStrides(inputChannels, numClasses, base, cap, kernels, strides);
            case RESENC, RESENC2D -> {
                int n = kernels.length;
                int[] dec = new int[n - 1];
                Arrays.fill(dec, 1);
                int[] features = UNetPlan.withKernelsAndStrides(inputChannels, numClasses, base, cap, kernels, strides)
                        .features();
                yield new UNetPlan(
                        inputChannels, numClasses, features, kernels, strides, Arrays.copyOf(RESENC_BLOCKS, n), dec);
            }
            case SEGRESNET -> {
                int n = SEGRESNET_DOWN.length;
                int[] features = new int[n];
                int[][] k = new int[n][], s = new int[n][];
                for (int i = 0; i < n; i++) {
                    features[i] = base << i;
                    k[i] = new int[] {3, 3, 3};
                    s[i] = i == 0 ? new int[] {1, 1, 1} : new int[] {2, 2, 2};
                }
                yield new UNetPlan(
                        inputChannels, numClasses, features, k, s, SEGRESNET_DOWN.clone(), SEGRESNET_UP.clone());
            }
            case SWINUNETR -> SwinUNETR.plan(inputChannels, numClasses, base);
        };
    }

    public static Architecture ofShortName(String name) {
        for (Architecture a : values()) if (a.shortName.equals(name.toLowerCase(Locale.ROOT))) return a;
        throw new IllegalArgumentException(
                "unknown architecture '" + name + "' (one of unet, resenc, segresnet, unet2d, resenc2d, swinunetr)");
    }

    public static Architecture ofCheckpointName(String name) {
        for (Architecture a : values()) if (a.checkpointName.equals(name)) return a;
        throw new IllegalArgumentException("unknown architecture '" + name + "'");
    }
}
