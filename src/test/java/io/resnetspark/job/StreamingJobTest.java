package io.resnetspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resnetspark.job.ScoringJobTest.Outcome;
import io.resnetspark.testing.SparkTestSession;
import io.resnetspark.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job as a scheduled stream ({@code run.mode = stream}, Trigger.AvailableNow) into a Delta
 * table, in process with local Spark: each run scores exactly the files that arrived since the
 * last one, zero-byte and corrupt files come out as rows with a reason, a micro-batch replayed
 * after a driver died between its Delta commit and its checkpoint commit is not written twice,
 * and the settings a stream cannot work with are refused before it starts.
 */
class StreamingJobTest {

    @TempDir static Path dir;

    @BeforeAll
    static void setUp() {
        SparkTestSession.setLocalJobProperties();
    }

    @AfterAll
    static void tearDown() {
        SparkTestSession.clearLocalJobProperties();
    }

    private static Outcome stream(Path input, Path table, String runId, String... more) {
        List<String> args = new ArrayList<>(List.of("--input", input.toString(), "--output", table.toString(),
                "--format", "delta", "--arch", "resnet18", "--run-id", runId, "--conf", "run.mode=stream",
                "--conf", "model.num-classes=10", "--conf", "model.preprocessing.resize-size=64",
                "--conf", "model.preprocessing.crop-size=64", "--conf", "model.batch-size=4"));
        args.addAll(List.of(more));
        return ScoringJobTest.score(args.toArray(new String[0]));
    }

    /** File name to the run ids of its rows, over the whole table. */
    private static Map<String, List<String>> runsPerFile(Path table) {
        SparkSession spark = SparkTestSession.startWithDelta("StreamingJobTest-reader");
        try {
            Map<String, List<String>> runs = new TreeMap<>();
            for (Row row : spark.read().format("delta").load(table.toString()).select("path", "run_id").collectAsList()) {
                String path = row.getString(0);
                runs.computeIfAbsent(path.substring(path.lastIndexOf('/') + 1), p -> new ArrayList<>()).add(row.getString(1));
            }
            return runs;
        } finally {
            SparkTestSession.stop(spark);
        }
    }

    @Test
    void eachRunScoresExactlyTheFilesThatArrivedSinceTheLastOne() throws Exception {
        Path input = Files.createDirectories(dir.resolve("arrivals"));
        Path table = dir.resolve("table-arrivals");
        TestImages.write(input, "a.png", 90, 70, "png", 1);
        TestImages.write(input, "b.jpg", 80, 120, "jpg", 2);
        Files.writeString(input.resolve("bad.png"), "not an image");
        Files.write(input.resolve("zero.jpg"), new byte[0]);
        Files.writeString(input.resolve("notes.txt"), "not an image file name");

        Outcome day1 = stream(input, table, "day-1");
        assertEquals(0, day1.exitCode(), day1.stdout());
        assertEquals("stream", day1.summary().get("mode").getAsString());
        assertEquals(4, day1.summary().get("rows_read").getAsLong(), day1.summary().toString());
        assertEquals(2, day1.summary().get("scored").getAsLong());
        assertEquals(1, day1.summary().getAsJsonObject("invalid_by_reason").get("empty").getAsLong(),
                "a zero-byte file is a row, as in a batch run");
        assertEquals(1, day1.summary().get("micro_batches").getAsLong());
        assertTrue(day1.summary().get("checkpoint").getAsString().endsWith("table-arrivals/_checkpoint"),
                day1.summary().toString());

        TestImages.write(Files.createDirectories(input.resolve("later")), "c.png", 64, 64, "png", 3);
        TestImages.write(input, "d.jpg", 70, 70, "jpg", 4);
        Outcome day2 = stream(input, table, "day-2");
        assertEquals(0, day2.exitCode(), day2.stdout());
        assertEquals(2, day2.summary().get("scored").getAsLong(), day2.summary().toString());
        assertEquals(2, day2.summary().get("rows_read").getAsLong());

        Outcome day3 = stream(input, table, "day-3");
        assertEquals(0, day3.exitCode(), day3.stdout());
        assertEquals(0, day3.summary().get("rows_read").getAsLong(), "nothing new: " + day3.summary());

        assertEquals(Map.of("a.png", List.of("day-1"), "b.jpg", List.of("day-1"), "bad.png", List.of("day-1"),
                "zero.jpg", List.of("day-1"), "c.png", List.of("day-2"), "d.jpg", List.of("day-2")), runsPerFile(table));
    }

    @Test
    void aMicroBatchReplayedAfterItsCommitIsNotWrittenAgain() throws Exception {
        Path input = Files.createDirectories(dir.resolve("replay"));
        Path table = dir.resolve("table-replay");
        TestImages.write(input, "a.png", 90, 70, "png", 11);
        TestImages.write(input, "b.jpg", 80, 120, "jpg", 12);
        TestImages.write(input, "c.png", 64, 64, "png", 13);
        Outcome first = stream(input, table, "first", "--conf", "input.max-files-per-trigger=2");
        assertEquals(0, first.exitCode(), first.stdout());
        assertEquals(2, first.summary().get("micro_batches").getAsLong(), "3 files, 2 per batch: " + first.summary());
        long version = first.summary().get("delta_version").getAsLong();

        // A driver that died after the Delta commit of its last batch, before the checkpoint
        // recorded that batch as done, leaves exactly this: the batch's offsets, no commit entry.
        Path commits = table.resolve("_checkpoint/commits");
        Path last;
        try (Stream<Path> entries = Files.list(commits)) {
            last = entries.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .max((x, y) -> Long.compare(Long.parseLong(x.getFileName().toString()),
                            Long.parseLong(y.getFileName().toString())))
                    .orElseThrow();
        }
        Files.delete(last);
        Files.deleteIfExists(last.resolveSibling("." + last.getFileName() + ".crc"));

        Outcome restart = stream(input, table, "restart", "--conf", "input.max-files-per-trigger=2");
        assertEquals(0, restart.exitCode(), restart.stdout());
        assertEquals(1, restart.summary().get("micro_batches_already_committed").getAsLong(), restart.summary().toString());
        assertEquals(0, restart.summary().get("micro_batches").getAsLong());
        assertTrue(Files.exists(last), "the replayed batch is now recorded as done");
        Map<String, List<String>> runs = runsPerFile(table);
        assertEquals(3, runs.size(), runs.toString());
        runs.forEach((file, ids) -> assertEquals(List.of("first"), ids, file + " has one row, from the first run"));

        SparkSession spark = SparkTestSession.startWithDelta("StreamingJobTest-history");
        try {
            assertEquals(version, io.delta.tables.DeltaTable.forPath(spark, table.toString()).history(1)
                    .first().<Long>getAs("version"), "no version was added by the replay");
        } finally {
            SparkTestSession.stop(spark);
        }
    }

    @Test
    void aStreamNeedsDeltaOutputAndImageInput() {
        Path input = dir.resolve("config-errors");
        Outcome parquet = stream(input, dir.resolve("t1"), "x", "--format", "parquet");
        assertEquals(2, parquet.exitCode(), parquet.stdout());
        assertTrue(parquet.summary().get("error").getAsString().contains("run.mode = stream needs output.format = delta"),
                parquet.summary().toString());
        Outcome trigger = stream(input, dir.resolve("t2"), "x", "--conf", "run.trigger=sometimes");
        assertEquals(2, trigger.exitCode(), trigger.stdout());
        assertTrue(trigger.summary().get("error").getAsString().contains("run.trigger must be available-now"),
                trigger.summary().toString());
        Outcome incremental = stream(input, dir.resolve("t3"), "x", "--conf", "run.incremental=true");
        assertEquals(2, incremental.exitCode(), incremental.stdout());
        Outcome mode = stream(input, dir.resolve("t4"), "x", "--conf", "run.mode=sometimes");
        assertEquals(2, mode.exitCode(), mode.stdout());
        assertTrue(mode.summary().get("error").getAsString().contains("run.mode must be one of [batch, stream]"),
                mode.summary().toString());
    }
}
