package org.backsplit.infer;

import java.util.List;

/**
 * Several networks as one (nnU-Net's fold ensemble): the mean of their logits per tile. Stitching is linear in the
 * logits, so this equals averaging each network's stitched prediction.
 */
public record EnsemblePredictor(List<TilePredictor> members) implements TilePredictor {
    public EnsemblePredictor {
        if (members.isEmpty()) throw new IllegalArgumentException("an ensemble needs at least one network");
        int k = members.get(0).classes();
        for (TilePredictor m : members) {
            if (m.classes() != k)
                throw new IllegalArgumentException(
                        "ensemble members disagree on the classes: " + k + " vs " + m.classes());
        }
        members = List.copyOf(members);
    }

    @Override
    public int classes() {
        return members.get(0).classes();
    }

    @Override
    public float[] predict(float[] channelsLast, int[] tile) {
        return predictAll(List.of(channelsLast), tile).get(0);
    }

    @Override
    public List<float[]> predictAll(List<float[]> channelsLast, int[] tile) {
        List<float[]> sum = members.get(0).predictAll(channelsLast, tile);
        for (int m = 1; m < members.size(); m++) {
            List<float[]> next = members.get(m).predictAll(channelsLast, tile);
            for (int t = 0; t < sum.size(); t++) {
                float[] s = sum.get(t), n = next.get(t);
                for (int i = 0; i < s.length; i++) s[i] += n[i];
            }
        }
        for (float[] s : sum) for (int i = 0; i < s.length; i++) s[i] /= members.size();
        return sum;
    }
}
