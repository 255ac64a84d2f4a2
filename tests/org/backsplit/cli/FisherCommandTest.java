package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.data.NnUNetDatasetTest;
import org.backsplit.io.SafeTensors;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.Initialization;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.StateDict;
import org.backsplit.nn.UNetPlan;
import org.backsplit.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `backsplit fisher` end to end: a raw dataset and a state_dict in, the table and JSON out. */
class FisherCommandTest {

    private static Path network(Path dir, int classes) throws Exception {
        SegmentationNetwork net = Architecture.UNET.build(new CpuBackend(1), UNetPlan.isotropic(2, classes, 2, 4, 8));
        Initialization.he(net.backend(), net.parameters(), new Rng(5), 0.01);
        Path file = dir.resolve("net" + classes + ".safetensors");
        StateDict.save(net.backend(), net.parameters(), file, Map.of());
        return file;
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void measuresABackSplitAndABinaryNetwork(@TempDir Path dir) throws Exception {
        Path ds = NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3); // background, lesion, liver (+ ignore)
        Path cache = dir.resolve("pre"), json = dir.resolve("fisher.json");
        StringWriter err = new StringWriter();
        int code = run(
                new StringWriter(),
                err,
                "fisher",
                "--checkpoint",
                network(dir, 3).toString(),
                "--dataset",
                ds.toString(),
                "--preprocessed",
                cache.toString(),
                "--targets",
                "lesion",
                "--margin-mm",
                "2",
                "--json",
                json.toString(),
                "--device",
                "cpu",
                "--threads",
                "2");
        assertEquals(0, code, err.toString());
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals("backsplit", r.get("mode").asText());
        long voxels = 0;
        for (String id : new String[] {"case00", "case01", "case02"}) {
            voxels += SafeTensors.read(cache.resolve(id + ".safetensors"))
                    .tensors()
                    .get("seg")
                    .data()
                    .length;
        }
        JsonNode all = r.get("all"), near = r.get("near_target");
        assertEquals(voxels, all.get("voxels").asLong(), "every preprocessed voxel counted once");
        assertTrue(near.get("voxels").asLong() > 0 && near.get("voxels").asLong() < voxels);
        assertEquals(
                all.get("trace_I_Y").asDouble(),
                all.get("trace_I_Z").asDouble() + all.get("trace_missing").asDouble(),
                1e-9 * all.get("trace_I_Y").asDouble());
        assertTrue(near.get("ratio").asDouble() > 1, "three classes: splitting the background adds information");
        JsonNode ranking = all.get("ranking"); // every non-target class: the remaining background and liver
        assertEquals(2, ranking.size());
        assertEquals(
                java.util.Set.of("background", "liver"),
                java.util.Set.of(
                        ranking.get(0).get("class").asText(),
                        ranking.get(1).get("class").asText()));
        assertTrue(
                ranking.get(0).get("share").asDouble()
                        >= ranking.get(1).get("share").asDouble(),
                "largest share first");
        assertEquals(
                1.0,
                ranking.get(0).get("share").asDouble()
                        + ranking.get(1).get("share").asDouble(),
                1e-9,
                "the shares split the whole");
        assertEquals(3, r.get("cases").size());

        code = run(
                new StringWriter(),
                err,
                "fisher",
                "--checkpoint",
                network(dir, 2).toString(),
                "--dataset",
                ds.toString(),
                "--preprocessed",
                cache.toString(),
                "--targets",
                "lesion",
                "--json",
                json.toString(),
                "--device",
                "cpu",
                "--threads",
                "2");
        assertEquals(0, code, err.toString());
        r = new ObjectMapper().readTree(json.toFile());
        assertEquals("binary", r.get("mode").asText());
        assertEquals(
                0.0,
                r.get("all").get("trace_missing").asDouble(),
                1e-12 * r.get("all").get("trace_I_Y").asDouble());
        assertEquals(
                1.0,
                r.get("all").get("ratio").asDouble(),
                1e-9,
                "with K = 2 the two labels carry the same information");
    }

    @Test
    void aNetworkThatDoesNotFitTheDatasetIsNamed(@TempDir Path dir) throws Exception {
        Path ds = NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3);
        StringWriter err = new StringWriter();
        Path net = network(dir, 5);
        int code = run(
                new StringWriter(),
                err,
                "fisher",
                "--checkpoint",
                net.toString(),
                "--dataset",
                ds.toString(),
                "--preprocessed",
                dir.resolve("pre").toString(),
                "--targets",
                "lesion",
                "--device",
                "cpu");
        assertEquals(1, code);
        assertTrue(err.toString().contains(net.toString()) && err.toString().contains("5 outputs"), err.toString());
    }
}
