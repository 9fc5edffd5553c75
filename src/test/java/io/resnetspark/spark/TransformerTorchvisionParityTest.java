package io.resnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.resnetspark.testing.ReferencePython;
import io.resnetspark.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end against torchvision: images written by PIL, weights from torchvision, scored by the
 * transformer with its defaults (torchvision's eval transform) on a binaryFile table, compared with
 * torchvision's own pipeline (PIL decode, Resize(256), CenterCrop(224), ToTensor, Normalize, model)
 * run by src/test/python/transformer_reference.py in this test run.
 *
 * <p>Tolerances: the network itself matches to ~1e-5 (TorchvisionParityTest), so what remains is
 * the input. PNG decoding is exact and the resize reproduces Pillow's fixed-point arithmetic, so
 * lossless images must agree to 1e-4 (measured: ~2e-6, float32 noise). JPEG decoders may legally differ (the JDK's libjpeg vs
 * Pillow's libjpeg-turbo IDCT and chroma upsampling give +-1..2 grey levels on some pixels, i.e.
 * up to ~0.03 after normalisation); for JPEGs the logits must agree to 2% of their range and the
 * top class must be the same.
 */
class TransformerTorchvisionParityTest {

    private static final double LOSSLESS_TOLERANCE = 1e-4;
    private static final double JPEG_RELATIVE_TOLERANCE = 0.02;

    @TempDir static Path dir;
    private static SparkSession spark;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSession.start("TransformerTorchvisionParityTest");
    }

    @AfterAll
    static void tearDown() {
        SparkTestSession.stop(spark);
    }

    @Test
    void transformerLogitsMatchTorchvisionsPipeline() throws Exception {
        ReferencePython.runScript("src/test/python/transformer_reference.py",
                "--arch", "resnet18", "--seed", "3", "--out-dir", dir.toString());
        JsonObject reference = JsonParser.parseString(Files.readString(dir.resolve("logits.json"))).getAsJsonObject();
        List<Row> rows = new ResNetTransformer()
                .setArch("resnet18")
                .setWeights(dir.resolve("weights.safetensors").toString())
                .setBatchSize(4)
                .transform(spark.read().format("binaryFile").load(dir.resolve("images").toString()))
                .collectAsList();
        assertEquals(reference.size(), rows.size());
        List<String> report = new ArrayList<>();
        for (Row row : rows) {
            String path = row.getAs("path");
            String name = path.substring(path.lastIndexOf('/') + 1);
            assertNull(row.getAs("error"), name);
            List<Float> logits = row.getList(row.fieldIndex("logits"));
            JsonArray expected = reference.getAsJsonArray(name);
            double maxDiff = 0;
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            int javaBest = 0;
            int torchBest = 0;
            for (int i = 0; i < expected.size(); i++) {
                double e = expected.get(i).getAsDouble();
                maxDiff = Math.max(maxDiff, Math.abs(logits.get(i) - e));
                min = Math.min(min, e);
                max = Math.max(max, e);
                javaBest = logits.get(i) > logits.get(javaBest) ? i : javaBest;
                torchBest = e > expected.get(torchBest).getAsDouble() ? i : torchBest;
            }
            double range = max - min;
            report.add(String.format(Locale.ROOT, "%-20s max|java - torchvision| = %.2e (%.3f%% of the logit range %.2f)",
                    name, maxDiff, 100 * maxDiff / range, range));
            if (name.endsWith(".png")) {
                assertTrue(maxDiff <= LOSSLESS_TOLERANCE, name + ": " + maxDiff);
            } else {
                assertTrue(maxDiff <= JPEG_RELATIVE_TOLERANCE * range, name + ": " + maxDiff + " of range " + range);
                assertEquals(torchBest, javaBest, name + ": top class");
            }
        }
        report.forEach(System.out::println);
        Files.write(Path.of("target", "transformer-parity-report.txt"), report);
    }
}
