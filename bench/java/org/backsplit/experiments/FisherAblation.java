package org.backsplit.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.fisher.FisherDiagnostic;
import org.backsplit.io.AtomicFiles;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.train.Batch;
import org.backsplit.train.BatchSource;
import org.backsplit.train.OptimizerConfig;
import org.backsplit.train.Trainer;
import org.backsplit.train.TrainingConfig;
import org.backsplit.util.Rng;

/**
 * A small experiment for Proposition 1 on synthetic 3D cases: a bright spherical lesion inside a host organ, a tube
 * ("vessel") exactly as bright as the lesion (a confuser told apart by shape only), and a dark slab ("bone") far away.
 * Trains a binary and a BackSplit U-Net and one BackSplit U-Net without each auxiliary structure, over several seeds;
 * reports the lesion Dice and false-positive voxels on held-out cases, the Fisher ratio near the lesions, and the
 * ranking of the non-target classes by their share of the missing information, to set beside the ablation.
 *
 * <p>Usage: FisherAblation SEEDS STEPS THREADS OUT.json
 */
public final class FisherAblation {
    static final int SIZE = 24;
    static final String[] NAMES = {"background", "lesion", "host", "vessel", "bone"};

    public static void main(String[] args) throws Exception {
        int seeds = Integer.parseInt(args[0]), steps = Integer.parseInt(args[1]), threads = Integer.parseInt(args[2]);
        Backend cpu = new CpuBackend(threads);
        List<World> train = new ArrayList<>(), test = new ArrayList<>();
        for (int i = 0; i < 12; i++) train.add(new World(new Rng(1000 + i)));
        for (int i = 0; i < 8; i++) test.add(new World(new Rng(5000 + i)));

        Map<String, int[]> variants =
                new LinkedHashMap<>(); // which dataset labels stay classes (the rest -> background)
        variants.put("binary", new int[] {1});
        variants.put("backsplit", new int[] {1, 2, 3, 4});
        variants.put("backsplit without host", new int[] {1, 3, 4});
        variants.put("backsplit without vessel", new int[] {1, 2, 4});
        variants.put("backsplit without bone", new int[] {1, 2, 3});

        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> runs = new ArrayList<>();
        System.out.printf(
                "%-26s %5s %10s %10s %12s %12s  %s%n",
                "model",
                "seed",
                "lesion Dice",
                "FP voxels",
                "ratio(all)",
                "ratio(near)",
                "missing-information shares near the lesion");
        for (int seed = 0; seed < seeds; seed++) {
            for (var v : variants.entrySet()) {
                int[] lookup = lookup(v.getValue());
                int k = v.getValue().length + 1;
                SegmentationNetwork net = Architecture.UNET.build(cpu, UNetPlan.isotropic(1, k, 3, 8, 32));
                TrainingConfig cfg = new TrainingConfig(
                        steps / 25, 25, OptimizerConfig.nnUNetSgd(), 12, LossSpec.nnUNet(k, false, -1), 17 + seed);
                Trainer t = Trainer.start(net, cfg, new Batches(train, lookup));
                while (!t.finished()) t.step();
                double[] eval = evaluate(net, test, lookup);
                List<PreparedCase> cases = new ArrayList<>();
                for (int i = 0; i < test.size(); i++) cases.add(test.get(i).prepared("t" + i, lookup));
                FisherDiagnostic.Result f = FisherDiagnostic.measure(
                        net, cases, new int[] {SIZE, SIZE, SIZE}, 1, 3.0, new double[] {1, 1, 1});
                Map<String, Double> shares = new LinkedHashMap<>();
                double[] frac = f.nearTarget().shareFractions();
                for (int c : f.nearTarget().ranking(1)) shares.put(className(v.getValue(), c), frac[c]);
                System.out.printf(
                        "%-26s %5d %10.4f %10.0f %12.4f %12.4f  %s%n",
                        v.getKey(),
                        seed,
                        eval[0],
                        eval[1],
                        f.all().ratio(),
                        f.nearTarget().ratio(),
                        fmt(shares));
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("model", v.getKey());
                run.put("seed", seed);
                run.put("lesion_dice", eval[0]);
                run.put("false_positive_voxels", eval[1]);
                run.put("ratio_all", f.all().ratio());
                run.put("ratio_near_lesion", f.nearTarget().ratio());
                run.put("shares_near_lesion", shares);
                runs.add(run);
            }
        }
        out.put("size", SIZE);
        out.put("steps", steps);
        out.put("margin_mm", 3.0);
        out.put("runs", runs);
        AtomicFiles.writeString(
                Path.of(args[3]),
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
    }

    private static String fmt(Map<String, Double> shares) {
        StringBuilder b = new StringBuilder();
        shares.forEach((n, s) -> b.append(String.format("%s %.1f%%  ", n, 100 * s)));
        return b.toString().trim();
    }

    private static String className(int[] kept, int c) {
        return c == 0 ? "background" : NAMES[kept[c - 1]];
    }

    /** Dataset label -> training class: kept labels become 1, 2, ... in order, the rest background. */
    private static int[] lookup(int[] kept) {
        int[] l = new int[NAMES.length];
        for (int i = 0; i < kept.length; i++) l[kept[i]] = i + 1;
        return l;
    }

    /** Lesion Dice over all test voxels, and voxels wrongly called lesion. */
    private static double[] evaluate(SegmentationNetwork net, List<World> test, int[] lookup) {
        long tp = 0, fp = 0, fn = 0;
        for (World w : test) {
            Tensor x = net.backend().upload(w.image, Shape.ndhwc(1, SIZE, SIZE, SIZE, 1));
            List<Tensor> logits = net.forward(x);
            int k = logits.get(0).shape().c();
            float[] z = net.backend().download(logits.get(0));
            logits.forEach(Tensor::close);
            net.release();
            x.close();
            for (int i = 0; i < w.labels.length; i++) {
                int best = 0;
                for (int j = 1; j < k; j++) if (z[i * k + j] > z[i * k + best]) best = j;
                boolean pred = best == 1, ref = w.labels[i] == 1;
                if (pred && ref) tp++;
                else if (pred) fp++;
                else if (ref) fn++;
            }
        }
        return new double[] {2.0 * tp / (2 * tp + fp + fn), fp};
    }

    /** One synthetic case: dataset labels 0 background, 1 lesion, 2 host, 3 vessel, 4 bone. */
    static final class World {
        final float[] image = new float[SIZE * SIZE * SIZE];
        final float[] labels = new float[SIZE * SIZE * SIZE];

        World(Rng rng) {
            double c = SIZE / 2.0 - 0.5;
            double[] host = {
                c + 2 * (rng.nextDouble() - 0.5), c + 2 * (rng.nextDouble() - 0.5), c + 2 * (rng.nextDouble() - 0.5)
            };
            double[] radii = {7 + 2 * rng.nextDouble(), 6 + 2 * rng.nextDouble(), 6 + 2 * rng.nextDouble()};
            int vesselAxis = rng.nextInt(3);
            double[] vessel = {
                host[0] + 3 * (rng.nextDouble() - 0.5),
                host[1] + 3 * (rng.nextDouble() - 0.5),
                host[2] + 3 * (rng.nextDouble() - 0.5)
            };
            double[][] lesions = new double[1 + rng.nextInt(2)][];
            for (int l = 0; l < lesions.length; l++) {
                lesions[l] = new double[] {
                    host[0] + radii[0] * 0.8 * (rng.nextDouble() - 0.5),
                    host[1] + radii[1] * 0.8 * (rng.nextDouble() - 0.5),
                    host[2] + radii[2] * 0.8 * (rng.nextDouble() - 0.5),
                    1.8 + 1.2 * rng.nextDouble()
                };
            }
            int boneAxis = rng.nextInt(3);
            for (int z = 0; z < SIZE; z++)
                for (int y = 0; y < SIZE; y++)
                    for (int x = 0; x < SIZE; x++) {
                        double[] p = {x, y, z};
                        int label = 0;
                        if (p[boneAxis] < 3) label = 4;
                        double e = 0;
                        for (int a = 0; a < 3; a++) e += (p[a] - host[a]) * (p[a] - host[a]) / (radii[a] * radii[a]);
                        if (e < 1) label = 2;
                        double r2 = 0;
                        for (int a = 0; a < 3; a++) if (a != vesselAxis) r2 += (p[a] - vessel[a]) * (p[a] - vessel[a]);
                        if (r2 < 1.5 * 1.5) label = 3;
                        for (double[] l : lesions) {
                            double d2 = 0;
                            for (int a = 0; a < 3; a++) d2 += (p[a] - l[a]) * (p[a] - l[a]);
                            if (d2 < l[3] * l[3]) label = 1;
                        }
                        int i = (z * SIZE + y) * SIZE + x;
                        labels[i] = label;
                        double mean = switch (label) {
                            case 1, 3 -> 1.0;
                            case 2 -> 0.4;
                            case 4 -> -0.8;
                            default -> 0.0;
                        };
                        image[i] = (float) (mean + 0.3 * rng.nextGaussian());
                    }
        }

        float[] mapped(int[] lookup) {
            float[] m = new float[labels.length];
            for (int i = 0; i < m.length; i++) m[i] = lookup[(int) labels[i]];
            return m;
        }

        PreparedCase prepared(String id, int[] lookup) {
            return PreparedCase.of(
                    id, new float[][] {image}, mapped(lookup), new int[] {SIZE, SIZE, SIZE}, new int[] {1});
        }
    }

    /** Batches of two random training cases, each randomly mirrored along every axis. */
    static final class Batches implements BatchSource {
        private final List<World> cases;
        private final List<float[]> labels; // each case's labels in this model's classes, mapped once

        Batches(List<World> cases, int[] lookup) {
            this.cases = cases;
            this.labels = cases.stream().map(w -> w.mapped(lookup)).toList();
        }

        @Override
        public Batch next(Backend backend, Rng rng, long step) {
            int v = SIZE * SIZE * SIZE;
            float[] img = new float[2 * v], lab = new float[2 * v];
            for (int b = 0; b < 2; b++) {
                int pick = rng.nextInt(cases.size());
                World w = cases.get(pick);
                float[] mapped = labels.get(pick);
                boolean fz = rng.nextDouble() < 0.5, fy = rng.nextDouble() < 0.5, fx = rng.nextDouble() < 0.5;
                for (int z = 0; z < SIZE; z++)
                    for (int y = 0; y < SIZE; y++)
                        for (int x = 0; x < SIZE; x++) {
                            int src = ((fz ? SIZE - 1 - z : z) * SIZE + (fy ? SIZE - 1 - y : y)) * SIZE
                                    + (fx ? SIZE - 1 - x : x);
                            img[b * v + (z * SIZE + y) * SIZE + x] = w.image[src];
                            lab[b * v + (z * SIZE + y) * SIZE + x] = mapped[src];
                        }
            }
            Shape s = Shape.ndhwc(2, SIZE, SIZE, SIZE, 1);
            return new Batch(backend.upload(img, s), backend.upload(lab, s.withChannels(1)));
        }
    }
}
