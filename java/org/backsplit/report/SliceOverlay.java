package org.backsplit.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.backsplit.io.AtomicFiles;

/**
 * One axial slice drawn side by side: the image in a grey window, then one panel per mask with the mask filled over the
 * image (target in pink, as the paper's figures draw lesions) and outlined, each titled.
 */
public final class SliceOverlay {
    public static final int SCALE = 4;
    private static final int TITLE = 18;
    private static final Color TARGET = new Color(255, 64, 160);

    private SliceOverlay() {}

    /** The axial slice (z) with the most voxels in `mask`; the middle slice if the mask is empty. */
    public static int busiestSlice(float[] mask, int[] dims, float value) {
        int best = dims[2] / 2, most = 0;
        int plane = dims[0] * dims[1];
        for (int z = 0; z < dims[2]; z++) {
            int n = 0;
            for (int i = 0; i < plane; i++) if (mask[z * plane + i] == value) n++;
            if (n > most) {
                most = n;
                best = z;
            }
        }
        return best;
    }

    /**
     * @param image x fastest, dims {nx, ny, nz}
     * @param masks label maps over the same grid; voxels equal to `value` are drawn
     * @param titles one per panel: the image's, then one per mask
     */
    public static void write(
            Path png,
            float[] image,
            int[] dims,
            int z,
            double windowLow,
            double windowHigh,
            List<float[]> masks,
            float value,
            List<String> titles)
            throws IOException {
        int nx = dims[0], ny = dims[1], w = nx * SCALE, h = ny * SCALE;
        int panels = 1 + masks.size();
        BufferedImage out = new BufferedImage(w * panels, h + TITLE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        for (int p = 0; p < panels; p++) {
            float[] mask = p == 0 ? null : masks.get(p - 1);
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++) {
                    int i = (z * ny + y) * nx + x;
                    int grey =
                            (int) Math.round(255 * Math.clamp((image[i] - windowLow) / (windowHigh - windowLow), 0, 1));
                    int rgb = grey << 16 | grey << 8 | grey;
                    if (mask != null && mask[i] == value) {
                        boolean edge = x == 0
                                || y == 0
                                || x == nx - 1
                                || y == ny - 1
                                || mask[i - 1] != value
                                || mask[i + 1] != value
                                || mask[i - nx] != value
                                || mask[i + nx] != value;
                        rgb = edge ? TARGET.getRGB() : blend(grey, TARGET, 0.45);
                    }
                    // radiological display: rows from the top (y grows downwards), as viewers show an axial slice
                    for (int dy = 0; dy < SCALE; dy++)
                        for (int dx = 0; dx < SCALE; dx++) {
                            out.setRGB(p * w + x * SCALE + dx, TITLE + (ny - 1 - y) * SCALE + dy, rgb);
                        }
                }
            g.setColor(Color.WHITE);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(titles.get(p), p * w + 4, 13);
        }
        g.dispose();
        AtomicFiles.write(png, tmp -> {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                if (!ImageIO.write(out, "png", os)) throw new IOException("no PNG writer in this Java runtime");
            }
        });
    }

    private static int blend(int grey, Color c, double alpha) {
        int r = (int) (grey * (1 - alpha) + c.getRed() * alpha),
                gr = (int) (grey * (1 - alpha) + c.getGreen() * alpha),
                b = (int) (grey * (1 - alpha) + c.getBlue() * alpha);
        return r << 16 | gr << 8 | b;
    }
}
