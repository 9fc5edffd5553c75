package io.resnetspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.resnetspark.testing.SparkTestSession;
import io.resnetspark.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on this CPU build with GPU settings: device=gpu stops fast with the reason, bf16 is a
 * configuration error, and the precision is provenance (column and run summary, with the TF32
 * status).
 */
class ScoringJobPrecisionTest {

    @TempDir static Path dir;
    private static Path images;

    @BeforeAll
    static void setUp() throws Exception {
        SparkTestSession.setLocalJobProperties();
        images = Files.createDirectories(dir.resolve("images"));
        TestImages.write(images, "a.png", 90, 70, "png", 1);
        TestImages.write(images, "b.jpg", 80, 120, "jpg", 2);
    }

    @AfterAll
    static void tearDown() {
        SparkTestSession.clearLocalJobProperties();
    }

    private static String[] args(String runId, String... more) {
        List<String> all = new java.util.ArrayList<>(List.of("--input", images.toString(), "--output",
                dir.resolve("out").toString(), "--arch", "resnet18", "--run-id", runId, "--conf", "model.num-classes=4",
                "--conf", "model.preprocessing.resize=48", "--conf", "model.preprocessing.crop=48"));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    @Test
    void deviceGpuOnTheCpuBuildStopsWithinAMinuteNamingWhatIsMissing() {
        long start = System.nanoTime();
        ScoringJobTest.Outcome outcome = ScoringJobTest.score(args("gpu", "--conf", "model.device=gpu"));
        assertTrue(System.nanoTime() - start < 60e9, "it must stop fast");
        assertEquals(4, outcome.exitCode(), outcome.stdout());
        String error = outcome.summary().get("error").getAsString();
        assertTrue(error.contains("device=gpu:0 asks for a GPU, but the PyTorch engine sees no GPU: this is the CPU build"
                + " (pytorch-native-cpu); deploy the jar built with -Pcu118"), error);
        assertTrue(!error.contains("\n"), error);

        // As a new user tries it first: the embedded default run, asked to use the GPU.
        ScoringJobTest.Outcome demo = ScoringJobTest.score("--conf", "model.device=gpu");
        assertEquals(4, demo.exitCode(), demo.stdout());
        assertTrue(demo.summary().get("error").getAsString().contains("asks for a GPU"), demo.summary().toString());
    }

    @Test
    void bf16IsAConfigurationErrorWithTheReason() {
        ScoringJobTest.Outcome outcome = ScoringJobTest.score(args("bf16", "--conf", "model.precision=bf16"));
        assertEquals(2, outcome.exitCode(), outcome.stdout());
        assertTrue(outcome.summary().get("error").getAsString().contains("model.precision='bf16' is refused:"
                + " precision bf16 is not supported: DJL's PyTorch engine aborts the JVM"), outcome.stdout());
        ScoringJobTest.Outcome fp16 = ScoringJobTest.score(args("fp16", "--conf", "model.precision=fp16",
                "--conf", "model.device=cpu"));
        assertEquals(4, fp16.exitCode(), fp16.stdout());
        assertTrue(fp16.summary().get("error").getAsString().contains("fp16 needs a GPU"), fp16.stdout());
    }

    @Test
    void thePrecisionIsProvenanceAndTheSummarySaysWhetherTf32WasOff() {
        ScoringJobTest.Outcome outcome = ScoringJobTest.score(args("fp32",
                "--conf", "spark.executorEnv.NVIDIA_TF32_OVERRIDE=0"));
        assertEquals(0, outcome.exitCode(), outcome.stdout());
        JsonObject summary = outcome.summary();
        assertEquals("fp32", summary.get("precision").getAsString());
        assertTrue(summary.getAsJsonObject("tf32").get("disabled").getAsBoolean(), summary.toString());
        assertEquals("0", summary.getAsJsonObject("tf32").get("NVIDIA_TF32_OVERRIDE").getAsString());
        SparkSession spark = SparkSession.builder().getOrCreate();
        try {
            List<Row> rows = spark.read().parquet(dir.resolve("out").toString()).where("run_id = 'fp32'")
                    .select("precision").collectAsList();
            assertEquals(2, rows.size());
            assertTrue(rows.stream().allMatch(r -> "fp32".equals(r.getString(0))), rows.toString());
        } finally {
            spark.stop();
        }
    }
}
