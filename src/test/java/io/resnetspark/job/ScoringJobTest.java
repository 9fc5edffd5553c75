package io.resnetspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.resnetspark.image.ImageFormat;
import io.resnetspark.testing.SparkTestSession;
import io.resnetspark.testing.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.GlobFilter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job as a scheduler runs it, in process with local Spark: a directory mixing good and
 * corrupt files, reruns with the same run id, incremental mode, the failure budget, output
 * formats, and configuration errors with their exit codes. The summary is the last stdout line.
 */
class ScoringJobTest {

    @TempDir static Path dir;
    private static Path images;

    /** Exit code and the summary printed as the last line of standard output. */
    record Outcome(int exitCode, JsonObject summary, String stdout) {}

    @BeforeAll
    static void setUp() throws Exception {
        SparkTestSession.setLocalJobProperties();
        images = Files.createDirectories(dir.resolve("images/day1"));
        TestImages.write(images, "a.png", 90, 70, "png", 1);
        TestImages.write(images, "b.jpg", 80, 120, "jpg", 2);
        Path nested = Files.createDirectories(images.resolve("nested"));
        TestImages.write(nested, "c.png", 64, 64, "png", 3);
        Files.writeString(images.resolve("readme.png"), "not an image");
        TestImages.truncated(TestImages.write(dir, "whole.jpg", 100, 80, "jpg", 4), images.resolve("cut.jpg"), 200);
        Files.writeString(images.resolve("notes.txt"), "filtered out by the file-name filter");
        Files.write(images.resolve("zero.jpg"), new byte[0]);
    }

    @AfterAll
    static void tearDown() {
        SparkTestSession.clearLocalJobProperties();
    }

    static Outcome score(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            code = ScoringJob.run(args);
        } finally {
            System.setOut(original);
        }
        String stdout = captured.toString(StandardCharsets.UTF_8);
        String[] lines = stdout.strip().split("\n");
        return new Outcome(code, JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject(), stdout);
    }

    private static String[] baseArgs(Path output, String runId, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--input", images.toString(), "--output", output.toString(),
                "--arch", "resnet18", "--run-id", runId,
                "--conf", "model.num-classes=10", "--conf", "model.preprocessing.resize-size=64",
                "--conf", "model.preprocessing.crop-size=64", "--conf", "model.batch-size=4"));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    private static List<Row> published(Path output, String format) {
        SparkSession spark = SparkSession.builder().getOrCreate();
        try {
            return spark.read().format(format).load(output.toString()).collectAsList();
        } finally {
            spark.stop();
        }
    }

    @Test
    void everyGoodImageIsScoredAndEveryBadOneReportedWithAReason() {
        Path output = dir.resolve("out-mixed");
        Outcome outcome = score(baseArgs(output, "2026-11-01", "--conf", "outputs.top-k=2"));
        assertEquals(0, outcome.exitCode(), outcome.stdout());
        JsonObject summary = outcome.summary();
        assertEquals("succeeded", summary.get("status").getAsString());
        String line = System.getProperty("resnet.spark.line", "3.5");
        assertTrue(summary.get("spark_version").getAsString().startsWith(line + "."), summary.toString());
        assertEquals(6, summary.get("rows_read").getAsLong());
        assertEquals(3, summary.get("scored").getAsLong());
        assertEquals(3, summary.get("invalid").getAsLong());
        assertEquals(1, summary.getAsJsonObject("invalid_by_reason").get("empty").getAsLong());
        assertEquals(1, summary.getAsJsonObject("invalid_by_reason").get("not_an_image").getAsLong());
        assertEquals(1, summary.getAsJsonObject("invalid_by_reason").get("truncated").getAsLong());
        for (String stage : List.of("read", "decode", "preprocess", "inference", "write")) {
            assertTrue(summary.getAsJsonObject("stage_seconds_summed_over_tasks").has(stage), stage);
        }
        assertTrue(Files.exists(output.resolve("_runs/2026-11-01.json")));
        assertEquals(1, summary.get("files_excluded_by_filter").getAsLong());
        assertEquals(0, summary.get("files_excluded_hidden").getAsLong());
        assertEquals("[\"notes.txt\"]", summary.get("files_excluded_examples").toString());

        Map<String, Row> rows = published(output, "parquet").stream()
                .collect(Collectors.toMap(r -> fileName(r.getAs("path")), r -> r));
        assertEquals(6, rows.size());
        for (String good : List.of("a.png", "b.jpg", "c.png")) {
            Row row = rows.get(good);
            assertNull(row.getAs("error"), good);
            assertEquals(10, row.getList(row.fieldIndex("logits")).size());
            assertEquals(2, row.getList(row.fieldIndex("top_k")).size());
            assertEquals("resnet18", row.getAs("arch"));
            assertEquals("seed:0", row.getAs("weights_fingerprint"));
            assertTrue(row.<String>getAs("preprocessing").startsWith("resize64"));
            assertEquals("2026-11-01", row.getAs("run_id").toString());
            assertNotNull(row.getAs("scored_at"));
        }
        assertTrue(rows.get("readme.png").<String>getAs("error").startsWith("not_an_image"));
        assertTrue(rows.get("cut.jpg").<String>getAs("error").startsWith("truncated"));
        assertTrue(rows.get("zero.jpg").<String>getAs("error").startsWith("empty"), "binaryFile skips zero-byte files; the job keeps them");
        assertNull(rows.get("cut.jpg").getAs("logits"));
    }

    @Test
    void filesNotReadAreCountedAndNamedInTheSummary() throws Exception {
        Path input = Files.createDirectories(dir.resolve("left-out"));
        TestImages.write(input, "scan.tif", 70, 50, "tiff", 5);
        Files.writeString(input.resolve("notes.txt"), "not an image file name");
        TestImages.write(input, "photo.Jpg", 40, 30, "jpg", 6); // the default filter is case-sensitive
        TestImages.write(input, ".hidden.jpg", 40, 30, "jpg", 7);
        TestImages.write(Files.createDirectories(input.resolve("_tmp")), "x.png", 40, 30, "png", 8);
        Path output = dir.resolve("out-left-out");
        Outcome outcome = score("--input", input.toString(), "--output", output.toString(), "--arch", "resnet18",
                "--run-id", "r1", "--conf", "model.num-classes=10", "--conf", "model.batch-size=4");
        assertEquals(0, outcome.exitCode(), outcome.stdout());
        JsonObject summary = outcome.summary();
        assertEquals(1, summary.get("scored").getAsLong(), "the TIFF, which the default filter covers");
        assertEquals(2, summary.get("files_excluded_by_filter").getAsLong());
        assertEquals(2, summary.get("files_excluded_hidden").getAsLong());
        List<String> examples = new java.util.ArrayList<>();
        summary.getAsJsonArray("files_excluded_examples").forEach(e -> examples.add(e.getAsString()));
        assertEquals(List.of(".hidden.jpg", "_tmp/x.png", "notes.txt", "photo.Jpg"), examples.stream().sorted().toList());
    }

    @Test
    void defaultFileFilterCoversEveryFormatTheDecoderReads() throws Exception {
        GlobFilter glob = new GlobFilter(com.typesafe.config.ConfigFactory.parseResources("io/resnetspark/job/defaults.conf")
                .getString("input.file-filter"));
        for (ImageFormat format : ImageFormat.values()) {
            for (String extension : format.fileExtensions()) {
                for (String name : List.of("a." + extension, "a." + extension.toUpperCase(java.util.Locale.ROOT))) {
                    assertTrue(glob.accept(new org.apache.hadoop.fs.Path("/images/" + name)), format + ": " + name);
                }
            }
        }
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Test
    void aRerunWithTheSameRunIdReplacesItsOutput() {
        Path output = dir.resolve("out-rerun");
        assertEquals(0, score(baseArgs(output, "r1")).exitCode());
        assertEquals(0, score(baseArgs(output, "r1")).exitCode());
        assertEquals(0, score(baseArgs(output, "r2")).exitCode());
        List<Row> rows = published(output, "parquet");
        assertEquals(12, rows.size(), "two runs of six rows, the rerun of r1 replaced");
        assertEquals(6, rows.stream().filter(r -> r.getAs("run_id").toString().equals("r1")).count());
        assertEquals(12, rows.stream().map(r -> r.getAs("run_id") + "|" + r.<String>getAs("path")).distinct().count());
    }

    @Test
    void incrementalRunsSkipWhatWasScoredWithTheSameWeights() throws Exception {
        Path output = dir.resolve("out-incremental");
        assertEquals(0, score(baseArgs(output, "first", "--conf", "run.incremental=true")).exitCode());
        Outcome again = score(baseArgs(output, "second", "--conf", "run.incremental=true"));
        assertEquals(0, again.exitCode(), again.stdout());
        assertEquals(3, again.summary().get("skipped_already_scored").getAsLong());
        assertEquals(0, again.summary().get("scored").getAsLong());
        assertEquals(3, again.summary().get("invalid").getAsLong(), "invalid images are retried");
        Outcome otherWeights = score(baseArgs(output, "third", "--conf", "run.incremental=true", "--conf", "model.seed=9"));
        assertEquals(3, otherWeights.summary().get("scored").getAsLong(), "other weights score everything again");
    }

    @Test
    void exceedingTheFailureBudgetPublishesNothingAndExitsWith3() {
        Path output = dir.resolve("out-budget");
        Outcome outcome = score(baseArgs(output, "b1", "--conf", "run.max-invalid-fraction=0.2"));
        assertEquals(3, outcome.exitCode(), outcome.stdout());
        assertEquals("failure_budget_exceeded", outcome.summary().get("status").getAsString());
        assertTrue(outcome.summary().get("error").getAsString().contains("3 of 6 rows invalid"));
        assertTrue(Files.notExists(output.resolve("run_id=b1")));
    }

    @Test
    void anOutputTableIsACatalogTableOverTheRunDirectories() {
        Path output = dir.resolve("out-table");
        Outcome outcome = score(baseArgs(output, "t1", "--conf", "output.table=scores", "--show", "20"));
        assertEquals(0, outcome.exitCode(), outcome.stdout());
        // --show reads the results back through the catalog table, by run_id partition.
        assertTrue(outcome.stdout().contains("a.png") && outcome.stdout().contains("zero.jpg"), outcome.stdout());
        assertEquals(6, published(output, "parquet").size());
    }

    @Test
    void aCatalogTableOfEncodedImagesIsAnInput() {
        SparkSession spark = SparkSession.builder().getOrCreate();
        String parquet = dir.resolve("images-table").toString();
        spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(images.toString())
                .selectExpr("path AS image_id", "content AS bytes").write().mode("overwrite").parquet(parquet);
        spark.sql("CREATE TABLE landed_images USING parquet LOCATION '" + parquet + "'");
        // The job's getOrCreate() finds this session, so it sees the table (and stops the session).
        Path output = dir.resolve("out-from-table");
        Outcome outcome = score("--output", output.toString(), "--arch", "resnet18", "--run-id", "tbl",
                "--conf", "input.format=table", "--conf", "input.table=landed_images",
                "--conf", "input.image-column=bytes", "--conf", "input.id-column=image_id",
                "--conf", "model.num-classes=10", "--conf", "model.preprocessing.resize-size=64",
                "--conf", "model.preprocessing.crop-size=64");
        assertEquals(0, outcome.exitCode(), outcome.stdout());
        assertEquals(3, outcome.summary().get("scored").getAsLong());
        List<Row> rows = published(output, "parquet");
        assertEquals(6, rows.size(), "the five non-empty files plus notes.txt (no file filter when it landed)");
        assertTrue(rows.stream().allMatch(r -> r.<String>getAs("image_id") != null));
    }

    @Test
    void jsonAndOrcOutputs() {
        for (String format : List.of("json", "orc")) {
            Path output = dir.resolve("out-" + format);
            assertEquals(0, score(baseArgs(output, "f", "--format", format)).exitCode());
            assertEquals(6, published(output, format).size(), format);
        }
    }

    @Test
    void oldKeyNamesStillWorkAndLayersKeepTheirPrecedence() throws Exception {
        Path output = dir.resolve("out-old-keys");
        Path file = dir.resolve("old-names.conf");
        // A config file written for the job's first key names: resize, crop and threads.
        Files.writeString(file, "model { threads = 1, preprocessing { resize = 80, crop = 48 } }\n");
        Outcome outcome = score("--config", file.toString(), "--input", images.toString(), "--output", output.toString(),
                "--arch", "resnet18", "--run-id", "old", "--conf", "model.num-classes=10",
                "--conf", "model.preprocessing.crop-size=64");
        assertEquals(0, outcome.exitCode(), outcome.stdout());
        String preprocessing = published(output, "parquet").get(0).getAs("preprocessing");
        // The file's old resize key took effect; the later --conf of the new crop key overrode its old crop key.
        assertTrue(preprocessing.startsWith("resize80-bilinear-aa|crop64x64"), preprocessing);
    }

    @Test
    void configurationErrorsExitWith2BeforeSparkWorks() throws Exception {
        Path output = dir.resolve("out-bad");
        Outcome unknown = score(baseArgs(output, "x", "--conf", "model.batchsize=8"));
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.summary().get("error").getAsString().contains("unknown config key(s): model.batchsize"));
        Outcome badValue = score(baseArgs(output, "x", "--conf", "model.batch-size=-1"));
        assertEquals(2, badValue.exitCode());
        assertTrue(badValue.summary().get("error").getAsString().contains("model.batch-size='-1' must be >= 1"));
        Outcome badArch = score(baseArgs(output, "x", "--arch", "resnet99"));
        assertEquals(2, badArch.exitCode());
        assertTrue(badArch.summary().get("error").getAsString().contains("model.arch='resnet99' must be one of resnet18,"));
        Outcome missing = score("--output", output.toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.summary().get("error").getAsString().contains("input.path is required"));
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, "model { arch = resnet18 \n");
        Outcome syntax = score("--config", file.toString(), "--input", images.toString(), "--output", output.toString());
        assertEquals(2, syntax.exitCode());
        assertTrue(syntax.summary().get("error").getAsString().contains("bad.conf"));
        Outcome table = score(baseArgs(output, "x", "--conf", "output.table=bad-name"));
        assertEquals(2, table.exitCode());
        assertTrue(table.summary().get("error").getAsString().contains("output.table must be a table name"));
        Outcome badFlag = score("--frobnicate");
        assertEquals(2, badFlag.exitCode());
        assertTrue(Files.notExists(output));
    }
}
