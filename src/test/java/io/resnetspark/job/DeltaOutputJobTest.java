package io.resnetspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resnetspark.job.ScoringJobTest.Outcome;
import io.resnetspark.testing.SparkTestSession;
import io.resnetspark.testing.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's Delta Lake output ({@code --format delta}), in process with local Spark: one commit
 * per run, a rerun replacing exactly its own rows, every version of the table holding whole runs
 * only (read back by time travel), incremental runs against the table, schema changes only when
 * asked for, the failure budget, concurrent runs, and the table read back with SQL.
 */
class DeltaOutputJobTest {

    @TempDir static Path dir;
    private static Path images;
    private static final int FILES = 5;
    private static final int GOOD = 3;

    @BeforeAll
    static void setUp() throws Exception {
        SparkTestSession.setLocalJobProperties();
        images = Files.createDirectories(dir.resolve("images"));
        TestImages.write(images, "a.png", 90, 70, "png", 1);
        TestImages.write(images, "b.jpg", 80, 120, "jpg", 2);
        TestImages.write(Files.createDirectories(images.resolve("nested")), "c.png", 64, 64, "png", 3);
        Files.writeString(images.resolve("readme.png"), "not an image");
        Files.write(images.resolve("zero.jpg"), new byte[0]);
    }

    @AfterAll
    static void tearDown() {
        SparkTestSession.clearLocalJobProperties();
    }

    private static Outcome score(Path table, String runId, String... more) {
        List<String> args = new ArrayList<>(List.of("--input", images.toString(), "--output", table.toString(),
                "--format", "delta", "--arch", "resnet18", "--run-id", runId,
                "--conf", "model.num-classes=10", "--conf", "model.preprocessing.resize-size=64",
                "--conf", "model.preprocessing.crop-size=64", "--conf", "model.batch-size=4"));
        args.addAll(List.of(more));
        return ScoringJobTest.score(args.toArray(new String[0]));
    }

    /** Reads the table (at a version, or the latest for -1) in a session of its own and applies {@code query}. */
    private static <T> T read(Path table, long version, Function<Dataset<Row>, T> query) {
        SparkSession spark = SparkTestSession.startWithDelta("DeltaOutputJobTest-reader");
        try {
            Dataset<Row> rows = version < 0 ? spark.read().format("delta").load(table.toString())
                    : spark.read().format("delta").option("versionAsOf", version).load(table.toString());
            return query.apply(rows);
        } finally {
            SparkTestSession.stop(spark);
        }
    }

    private static Map<String, Long> rowsPerRun(Dataset<Row> rows) {
        Map<String, Long> counts = new TreeMap<>();
        rows.groupBy("run_id").count().collectAsList().forEach(r -> counts.put(r.getString(0), r.getLong(1)));
        return counts;
    }

    private static long duplicates(Dataset<Row> rows) {
        return rows.groupBy("run_id", "path").count().filter("count > 1").count();
    }

    @Test
    void aRunIsOneCommitAndARerunReplacesExactlyItsOwnRows() {
        Path table = dir.resolve("table-reruns");
        Outcome first = score(table, "day-1");
        assertEquals(0, first.exitCode(), first.stdout());
        assertEquals("delta", first.summary().get("output_format").getAsString());
        assertEquals(0, first.summary().get("delta_version").getAsLong());
        assertEquals(GOOD, first.summary().get("scored").getAsLong());
        assertEquals(FILES - GOOD, first.summary().get("invalid").getAsLong());
        Timestamp firstScoredAt = read(table, -1, rows -> (Timestamp) rows.selectExpr("max(scored_at)").first().get(0));

        Outcome other = score(table, "day-2");
        Outcome rerun = score(table, "day-1");
        assertEquals(0, other.exitCode(), other.stdout());
        assertEquals(0, rerun.exitCode(), rerun.stdout());
        assertEquals(1, other.summary().get("delta_version").getAsLong());
        assertEquals(2, rerun.summary().get("delta_version").getAsLong());

        assertEquals(Map.of("day-1", (long) FILES, "day-2", (long) FILES), read(table, -1, DeltaOutputJobTest::rowsPerRun));
        assertEquals(0L, read(table, -1, DeltaOutputJobTest::duplicates));
        Timestamp rerunEarliest = read(table, -1, rows -> (Timestamp) rows.where("run_id = 'day-1'")
                .selectExpr("min(scored_at)").first().get(0));
        assertTrue(rerunEarliest.after(firstScoredAt), "every day-1 row is the rerun's");
        // What a reader could see at any moment: each version holds whole runs only.
        assertEquals(Map.of("day-1", (long) FILES), read(table, 0, DeltaOutputJobTest::rowsPerRun));
        assertEquals(Map.of("day-1", (long) FILES, "day-2", (long) FILES), read(table, 1, DeltaOutputJobTest::rowsPerRun));
        List<String> good = read(table, -1, rows -> rows.where("run_id = 'day-2' AND error IS NULL")
                .select("path").orderBy("path").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertEquals(GOOD, good.size());
        assertTrue(good.stream().anyMatch(p -> p.endsWith("nested/c.png")), good.toString());
    }

    @Test
    void anIncrementalRunSkipsWhatTheTableHoldsScoredWithTheSameWeights() {
        Path table = dir.resolve("table-incremental");
        assertEquals(0, score(table, "full").exitCode());
        Outcome next = score(table, "next", "--conf", "run.incremental=true");
        assertEquals(0, next.exitCode(), next.stdout());
        assertEquals(GOOD, next.summary().get("skipped_already_scored").getAsLong());
        assertEquals(0, next.summary().get("scored").getAsLong());
        assertEquals(FILES - GOOD, next.summary().get("invalid").getAsLong(), "invalid images are tried again");
        assertEquals(Map.of("full", (long) FILES, "next", (long) (FILES - GOOD)), read(table, -1, DeltaOutputJobTest::rowsPerRun));

        Outcome otherWeights = score(table, "reseeded", "--conf", "run.incremental=true", "--conf", "model.seed=9");
        assertEquals(0, otherWeights.summary().get("skipped_already_scored").getAsLong(), "other weights: scored again");
        assertEquals(GOOD, otherWeights.summary().get("scored").getAsLong());
    }

    @Test
    void aRunWithOtherColumnsIsRefusedUntilMergeSchemaAsksForIt() {
        Path table = dir.resolve("table-schema");
        assertEquals(0, score(table, "plain").exitCode());
        Outcome refused = score(table, "with-probabilities", "--conf", "outputs.probabilities=true");
        assertEquals(2, refused.exitCode(), refused.stdout());
        String error = refused.summary().get("error").getAsString();
        assertTrue(error.contains("new in this run: [probabilities]") && error.contains("output.merge-schema"), error);
        assertEquals(Map.of("plain", (long) FILES), read(table, -1, DeltaOutputJobTest::rowsPerRun), "nothing was written");

        Outcome merged = score(table, "with-probabilities", "--conf", "outputs.probabilities=true",
                "--conf", "output.merge-schema=true");
        assertEquals(0, merged.exitCode(), merged.stdout());
        assertEquals(1, merged.summary().get("delta_version").getAsLong());
        Map<String, Long> withProbabilities = read(table, -1, rows -> rows.where("probabilities IS NOT NULL")
                .groupBy("run_id").count().collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1))));
        assertEquals(Map.of("with-probabilities", (long) GOOD), withProbabilities);

        Outcome fewer = score(table, "plain-again");
        assertEquals(2, fewer.exitCode(), fewer.stdout());
        assertTrue(fewer.summary().get("error").getAsString().contains("not written by this run"),
                fewer.summary().toString());
    }

    @Test
    void aRunOverItsFailureBudgetCommitsNothing() throws Exception {
        Path table = dir.resolve("table-budget");
        assertEquals(0, score(table, "ok").exitCode());
        Outcome over = score(table, "too-many-bad", "--conf", "run.max-invalid-fraction=0.1");
        assertEquals(3, over.exitCode(), over.stdout());
        assertFalse(over.summary().has("delta_version"), over.summary().toString());
        assertEquals(Map.of("ok", (long) FILES), read(table, -1, DeltaOutputJobTest::rowsPerRun));
        assertEquals(1L, (long) read(table, -1, rows -> io.delta.tables.DeltaTable.forPath(rows.sparkSession(),
                table.toString()).history().count()), "no version was added");
        try (var staged = Files.list(table.resolve("_staging"))) {
            assertEquals(0, staged.count(), "the staged rows were dropped");
        }
    }

    @Test
    void concurrentRunsWithOtherIdsCommitWithoutConflict() throws Exception {
        Path table = dir.resolve("table-concurrent");
        SparkSession spark = SparkTestSession.startWithDelta("DeltaOutputJobTest-concurrent");
        try {
            DeltaTableOutput output = new DeltaTableOutput(spark, table.toString(), false);
            output.replaceRun(spark.range(10).selectExpr("CAST(id AS STRING) AS path"), "seed");
            List<CompletableFuture<Long>> commits = new ArrayList<>();
            for (int run = 0; run < 4; run++) {
                String id = "parallel-" + run;
                commits.add(CompletableFuture.supplyAsync(() ->
                        output.replaceRun(spark.range(50).selectExpr("CAST(id AS STRING) AS path"), id)));
            }
            List<Long> versions = new ArrayList<>();
            for (CompletableFuture<Long> commit : commits) {
                versions.add(commit.get());
            }
            assertEquals(4, versions.stream().distinct().count(), "each run committed a version of its own: " + versions);
            Map<String, Long> counts = rowsPerRun(output.read());
            assertEquals(5, counts.size(), counts.toString());
            counts.forEach((run, rows) -> assertEquals(run.equals("seed") ? 10L : 50L, rows, run));
        } finally {
            SparkTestSession.stop(spark);
        }
    }

    @Test
    void anOutputTableWithoutAPathIsADeltaTableInTheWarehouse() {
        Path warehouse = dir.resolve("warehouse");
        Outcome run = ScoringJobTest.score("--input", images.toString(), "--format", "delta", "--arch", "resnet18",
                "--run-id", "cataloged", "--conf", "output.table=scores", "--conf", "spark.sql.warehouse.dir=" + warehouse,
                "--conf", "model.num-classes=10", "--conf", "model.preprocessing.resize-size=64",
                "--conf", "model.preprocessing.crop-size=64", "--show", "10");
        // Exit code 0 after --show: the job read the rows back through the catalog table.
        assertEquals(0, run.exitCode(), run.stdout());
        assertTrue(Files.isDirectory(warehouse.resolve("scores/_delta_log")), "the table's data is a Delta table");
        assertEquals(Map.of("cataloged", (long) FILES), read(warehouse.resolve("scores"), -1, DeltaOutputJobTest::rowsPerRun));
    }

    @Test
    void jobsSqlReadsTheTableByItsPath() {
        Path table = dir.resolve("table-sql");
        assertEquals(0, score(table, "sql-day").exitCode());
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Integer code;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            // Dataset.show prints to Scala's Console.out, which keeps the System.out it first saw.
            code = scala.Console.withOut(out, () -> io.resnetspark.sql.SqlShell.execute("-e",
                    "SELECT run_id, count(DISTINCT path) AS files, count(*) AS n FROM delta.`" + table + "` GROUP BY run_id"));
        } finally {
            System.setOut(original);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, (int) code, printed);
        assertTrue(printed.matches("(?s).*\\|sql-day\\s*\\|" + FILES + "\\s*\\|" + FILES + "\\s*\\|.*"), printed);
    }
}
