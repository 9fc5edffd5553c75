package io.resnetspark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.delta.tables.DeltaTable;
import io.resnetspark.testing.LocalClusterSpark;
import io.resnetspark.testing.SparkTestSession;
import io.resnetspark.testing.TestImages;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job as it runs in production, distributed: a Spark standalone cluster of separate JVMs on
 * loopback (one Master, two Workers of one core each, from the Spark jars Maven resolved, see
 * {@link LocalClusterSpark}), the real shaded application jar submitted with {@code SparkSubmit}
 * from a driver JVM of its own, and executors launched by the workers.
 *
 * <ol>
 *   <li>A normal run over a few hundred generated images and three corrupt files: every input
 *       comes out exactly once, the corrupt ones as rows with an error, and each executor JVM
 *       loads the model exactly once.
 *   <li>A run during which one executor JVM is killed with SIGKILL after it loaded the model: Spark
 *       reruns its tasks elsewhere (and the worker launches a replacement executor); still exactly
 *       one row per image.
 *   <li>A rerun with the first run's id: that run's rows are replaced, not duplicated.
 *   <li>A Delta table output ({@code --format delta}, 40 images, one corrupt) whose driver JVM is
 *       killed with SIGKILL five times while it runs one run id (while scoring, right after a
 *       commit, right after its rows were staged, while its commit's data files are written but
 *       not yet in the log, at a random time around the commit), then rerun to completion: one row per input for each run id, and in every
 *       version of the table's history (time travel) each run id is absent or whole, a commit
 *       replaces all of that run's rows, and a second run id's files stay as they were.
 *   <li>A stream ({@code run.mode = stream}, micro-batches of 4 files) over a directory that gains
 *       files between four invocations, two of them killed with SIGKILL (right after a
 *       micro-batch's commit, and at a random point): every file has exactly one row, and no
 *       version of the table has a path twice.
 * </ol>
 *
 * <p>The kill points are seeded ({@link #KILL_SEED}) fractions of measured durations, plus two
 * events the test sees on disk (a staging directory complete, new data files in the table, a
 * new commit file in the Delta log), so that kills land before, during and after a commit on a fast or a slow machine; each
 * kill is printed with where it landed.
 *
 * <p>The application jar. Surefire runs in the {@code test} phase, before {@code package} builds
 * the jar, so this test builds it itself: {@code mvn -B -Dmaven.test.skip=true package} in a child
 * Maven with {@code -Dbuild.dir} pointing into a temporary directory, so the running build's
 * {@code target} is left alone; it is the maven-shade-plugin artifact of the pom, Spark provided.
 * The driver ({@code org.apache.spark.deploy.SparkSubmit}) and the executors get only Spark and its
 * dependencies on their classpath, never the project's classes or DJL: the jar has to carry them.
 *
 * <p>Sized for a 2-core machine: resnet18 with 10 classes on 64x64 inputs, 1 GB executors, one
 * PyTorch thread each. Everything the test starts (the Maven build, the cluster, the drivers) is
 * ended in {@link #tearDown()}, also when a step fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterJobTest {

    private static final int GOOD_IMAGES = 240;
    private static final int WORKERS = 2;
    private static final String RUN_1 = "cluster-run-1";
    private static final String RUN_2 = "cluster-run-2-killed";
    private static final String DELTA_OTHER = "delta-other";
    private static final String DELTA_KILLED = "delta-killed";
    /** Images of the Delta tests, one of them corrupt: few, so that the many runs stay short. */
    private static final int DELTA_IMAGES = 40;
    private static final int STREAM_FILES_PER_BATCH = 4;
    private static final String[] DELTA = {"--format", "delta"};
    private static final String[] STREAM = {"--format", "delta", "--conf", "run.mode=stream",
            "--conf", "input.max-files-per-trigger=" + STREAM_FILES_PER_BATCH};
    /** Seeds the kill points: a failure can be rerun with the same fractions of a run. */
    private static final long KILL_SEED = 11;
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration JAR_BUILD_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration DRIVER_TIMEOUT = Duration.ofMinutes(3);
    private static final String LOAD_1 = "(model load #1 in this JVM)";
    private static final Pattern LOAD_N = Pattern.compile("\\(model load #(\\d+) in this JVM\\)");
    private static final Pattern APP_ID = Pattern.compile("Connected to Spark cluster with app ID (app-[0-9]+-[0-9]+)");

    /**
     * Dependency jars of the project that Spark does not provide (Maven repository paths): kept off
     * the driver's and executors' classpath so that only the application jar brings them.
     */
    private static final List<String> APPLICATION_ONLY_JARS = List.of("/ai/djl/", "/info/picocli/",
            "/com/typesafe/config/", "/com/twelvemonkeys/", "/com/google/code/gson/", "/net/java/dev/jna/",
            "/org/junit/", "/org/opentest4j/", "/org/apiguardian/", "/io/delta/");

    @TempDir static Path dir;

    private static Process jarBuild;
    private static Path jar;
    private static LocalClusterSpark cluster;
    private static String sparkClasspath;
    private static Path images;
    private static Path output;
    private static final Set<String> goodInputs = new TreeSet<>();
    private static final Set<String> corruptInputs = new TreeSet<>();
    private static final Set<String> allInputs = new TreeSet<>();
    private static final Map<Process, String> drivers = new ConcurrentHashMap<>();
    private static SparkSession reader;
    /** scored_at of run 1's rows, to tell replaced rows from kept ones after the rerun. */
    private static Timestamp run1LatestScoredAt;

    /** A finished driver: its exit code, summary (the last stdout line), logs and application id. */
    record Submission(String name, int exitCode, JsonObject summary, String stdout, String stderr, String appId,
            Duration took) {}

    // ---- set-up and tear-down -------------------------------------------------------------------

    @BeforeAll
    static void setUp() throws Exception {
        long start = System.nanoTime();
        // The jar build takes most of a minute: it runs while the images are written and the cluster starts.
        Path buildDir = dir.resolve("jar-build");
        Path buildLog = dir.resolve("jar-build.log");
        jarBuild = startJarBuild(buildDir, buildLog);

        images = Files.createDirectories(dir.resolve("images"));
        Path nested = Files.createDirectories(images.resolve("nested"));
        for (int i = 0; i < GOOD_IMAGES; i++) {
            String format = i % 3 == 0 ? "jpg" : "png";
            Path target = i % 4 == 0 ? nested : images;
            int width = 80 + (i % 5) * 4;
            int height = 60 + (i % 7) * 4;
            goodInputs.add(id(TestImages.write(target, String.format("img-%03d.%s", i, format), width, height, format, 1000 + i)));
        }
        Files.writeString(images.resolve("broken-text.png"), "this is not an image");
        corruptInputs.add(id(images.resolve("broken-text.png")));
        Path whole = TestImages.write(dir, "whole.jpg", 100, 80, "jpg", 7);
        corruptInputs.add(id(TestImages.truncated(whole, nested.resolve("broken-truncated.jpg"), 300)));
        // A zero-byte file: Spark's binaryFile source yields no row for it; the job adds it back as
        // an invalid row (reason "empty").
        corruptInputs.add(id(Files.write(images.resolve("broken-empty.jpg"), new byte[0])));
        // A JPEG signature followed by garbage.
        byte[] garbage = new byte[2048];
        new java.util.Random(3).nextBytes(garbage);
        garbage[0] = (byte) 0xFF;
        garbage[1] = (byte) 0xD8;
        garbage[2] = (byte) 0xFF;
        corruptInputs.add(id(Files.write(images.resolve("broken-garbage.jpg"), garbage)));
        allInputs.addAll(goodInputs);
        allInputs.addAll(corruptInputs);
        output = dir.resolve("output");

        sparkClasspath = sparkOnlyClasspath();
        cluster = LocalClusterSpark.builder(dir.resolve("cluster"))
                .workers(WORKERS)
                .coresPerWorker(1)
                .memoryPerWorkerMb(1024)
                .start();

        if (!jarBuild.waitFor(JAR_BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            fail("the application jar build did not finish within " + JAR_BUILD_TIMEOUT.toSeconds() + " s\n"
                    + tail(read(buildLog), 6000));
        }
        if (jarBuild.exitValue() != 0) {
            fail("the application jar build failed with exit code " + jarBuild.exitValue() + ":\n" + tail(read(buildLog), 6000));
        }
        jar = findShadedJar(buildDir);
        checkShadedJar(jar);
        System.out.printf("StandaloneClusterJobTest: jar %s (%d MB), cluster %s, set-up %.1f s%n", jar.getFileName(),
                Files.size(jar) >> 20, cluster.masterUrl(), (System.nanoTime() - start) / 1e9);
    }

    @AfterAll
    static void tearDown() {
        List<Throwable> problems = new ArrayList<>();
        for (Process driver : drivers.keySet()) {
            run(problems, () -> endProcess(driver));
        }
        if (jarBuild != null) {
            run(problems, () -> endProcess(jarBuild));
        }
        if (cluster != null) {
            run(problems, cluster::close);
        }
        run(problems, () -> SparkTestSession.stop(reader));
        if (!problems.isEmpty()) {
            AssertionError error = new AssertionError("tear-down failed");
            problems.forEach(error::addSuppressed);
            throw error;
        }
    }

    // ---- the runs -------------------------------------------------------------------------------

    @Test
    @Order(1)
    void everyImageComesOutExactlyOnceAndEachExecutorLoadsTheModelOnce() throws Exception {
        Submission run = awaitDriver(startDriver("run-1", RUN_1));
        assertSucceeded(run);

        Map<String, Long> rows = rowsPerImage(RUN_1);
        assertExactlyOneRowPerImage(rows, RUN_1);
        assertRowContents(RUN_1);

        Map<String, List<Integer>> loads = modelLoadsPerExecutor(run.appId());
        assertEachExecutorLoadedOnce(loads, run);
        long executorsThatScored = loads.values().stream().filter(l -> !l.isEmpty()).count();
        assertTrue(executorsThatScored >= WORKERS,
                "tasks ran on both workers' executors, each loading the model: " + loads + "\n" + cluster.diagnostics());

        run1LatestScoredAt = latestScoredAt(RUN_1);
        System.out.printf("run 1: exit %d in %.1f s, %d rows for %d inputs (max %d per image), model loads per"
                + " executor %s%n", run.exitCode(), run.took().toMillis() / 1e3, rows.values().stream().mapToLong(v -> v).sum(),
                allInputs.size(), rows.values().stream().mapToLong(v -> v).max().orElse(0), loads);
    }

    @Test
    @Order(2)
    void anExecutorKilledMidRunIsReplacedAndEveryImageStillComesOutOnce() throws Exception {
        // Smaller batches than run 1 stretch the scoring so that the kill lands while tasks run.
        Process driver = startDriver("run-2", RUN_2, "--conf", "model.batch-size=2");
        Kill kill;
        try {
            kill = killAnExecutorOnceItScores(driver);
        } catch (Throwable t) {
            endProcess(driver); // so that the rerun does not compete with it for the cluster's cores
            throw t;
        }
        Submission run = awaitDriver(driver);

        assertTrue(kill.driverAliveAfter, "the executor was killed while the driver still ran: " + kill);
        assertSucceeded(run);
        Map<String, Long> rows = rowsPerImage(RUN_2);
        assertExactlyOneRowPerImage(rows, RUN_2);
        assertRowContents(RUN_2);

        Map<String, List<Integer>> loads = modelLoadsPerExecutor(run.appId());
        assertEachExecutorLoadedOnce(loads, run);
        assertTrue(loads.containsKey(kill.executorId) && loads.get(kill.executorId).equals(List.of(1)),
                "the killed executor had loaded the model: " + loads);
        String exitState = exitStateOf(run.appId(), kill.executorId);
        List<String> lostTasks = run.stderr().lines().filter(l -> l.contains("Lost task")).collect(Collectors.toList());
        List<String> lostExecutor = run.stderr().lines()
                .filter(l -> l.contains("Lost executor " + kill.executorId + " ")
                        || l.contains("Executor " + run.appId() + "/" + kill.executorId + " removed"))
                .collect(Collectors.toList());
        assertFalse(lostExecutor.isEmpty(),
                "the driver noticed executor " + kill.executorId + " was gone:\n" + tail(run.stderr(), 8000));
        System.out.printf("run 2: exit %d in %.1f s; %s; worker state %s; driver: %d lost task(s)%s; %d executors"
                + " in all, model loads per executor %s; %d rows for %d inputs%n", run.exitCode(), run.took().toMillis() / 1e3,
                kill, exitState, lostTasks.size(), lostTasks.isEmpty() ? "" : " e.g. " + lostTasks.get(0).strip(),
                loads.size(), loads, rows.values().stream().mapToLong(v -> v).sum(), allInputs.size());
        lostExecutor.forEach(l -> System.out.println("  driver: " + l.strip()));
    }

    @Test
    @Order(3)
    void aRerunWithTheSameRunIdReplacesItsRowsInsteadOfAddingToThem() throws Exception {
        assertNotNull(run1LatestScoredAt, "run 1 must have published its rows before the rerun (see its failure)");
        Submission run = awaitDriver(startDriver("run-3", RUN_1));
        assertSucceeded(run);

        assertExactlyOneRowPerImage(rowsPerImage(RUN_1), RUN_1);
        assertRowContents(RUN_1);
        Timestamp earliest = (Timestamp) read().filter("run_id = '" + RUN_1 + "'")
                .selectExpr("min(scored_at)").first().get(0);
        assertTrue(earliest.after(run1LatestScoredAt),
                "every row of " + RUN_1 + " is from the rerun (earliest " + earliest + "), none left from run 1 (latest "
                        + run1LatestScoredAt + ")");
        Map<String, List<Integer>> loads = modelLoadsPerExecutor(run.appId());
        assertEachExecutorLoadedOnce(loads, run);

        // Every run id in the output: one row per image each, nothing else.
        List<Row> perRun = read().groupBy("run_id").count().collectAsList();
        Map<String, Long> counts = new TreeMap<>();
        perRun.forEach(r -> counts.put(r.getString(0), r.getLong(1)));
        assertEquals(Map.of(RUN_1, (long) allInputs.size(), RUN_2, (long) allInputs.size()), counts);
        long duplicates = read().groupBy("run_id", "path").count().filter("count > 1").count();
        assertEquals(0, duplicates, "no (run_id, path) appears twice in the whole output");
        System.out.printf("run 3 (rerun of %s): exit %d in %.1f s; rows per run id %s; model loads per executor %s%n",
                RUN_1, run.exitCode(), run.took().toMillis() / 1e3, counts, loads);
    }

    @Test
    @Order(4)
    void aDeltaRunWhoseDriverIsKilledAnywhereIsNeverSeenHalfWrittenAndItsRerunLeavesOneRowPerImage() throws Exception {
        Path input = Files.createDirectories(dir.resolve("delta-images"));
        Set<String> corrupt = Set.of(id(Files.writeString(input.resolve("broken-text.png"), "this is not an image")));
        Set<String> inputs = union(writeGoodImages(input, "delta", DELTA_IMAGES - 1, 2000), corrupt);
        Path table = dir.resolve("delta-output");

        // A second run id in the same table, which none of the killed run's attempts may touch. How
        // long it takes is the yardstick for the kill points.
        long started = System.nanoTime();
        Submission other = awaitDriver(startDriver("delta-other", input, table, DELTA_OTHER, DELTA));
        Duration fullRun = Duration.ofNanos(System.nanoTime() - started);
        assertSucceeded(other, inputs.size() - corrupt.size(), corrupt.size());
        long otherVersion = assertCommitted(other, table);

        // Kill 1 comes at a random time while the run scores; kills 2, 3 and 4 on events seen on
        // disk, which also measure when this run id's attempts reach them now (later runs on a
        // shared machine are not as fast as the first); kill 5 at a random time between the staged
        // rows and shortly after the commit: during the copy into the table or around its commit.
        Random random = new Random(KILL_SEED);
        List<DriverKill> kills = new ArrayList<>();
        kills.add(runAndKill("delta-kill-1", input, table, DELTA_KILLED,
                KillPoint.at(fraction(random, 0.10, 0.40), fullRun), DELTA));
        // The table has none of the run's rows yet: this attempt's commit is its first.
        kills.add(runAndKill("delta-kill-2", input, table, DELTA_KILLED,
                KillPoint.on("just after a new table version appeared", DiskState::committedSince), DELTA));
        // Scoring is over and the rows are staged; the commit that copies them is under way.
        kills.add(runAndKill("delta-kill-3", input, table, DELTA_KILLED,
                KillPoint.on("just after its rows were staged", DiskState::stagedSince), DELTA));
        assertTrue(kills.get(1).killed() && kills.get(1).after().committedSince(kills.get(1).before()),
                "the kill after a commit landed after one: " + kills.get(1));
        assertTrue(kills.get(2).killed() && kills.get(2).atKill().stagedSince(kills.get(2).before()),
                "the kill after staging landed after it: " + kills.get(2));
        Duration staged = Duration.ofMillis(Math.round(kills.get(2).seconds() * 1000));
        Duration committed = Duration.ofMillis(Math.round(kills.get(1).seconds() * 1000));
        // The commit is being written: its data files are in the run's partition, the log entry
        // that would make them part of the table is not.
        kills.add(runAndKill("delta-kill-4", input, table, DELTA_KILLED,
                KillPoint.on("once its commit's data files appeared", DiskState::writingSince), DELTA));
        assertTrue(kills.get(3).killed() && kills.get(3).atKill().writingSince(kills.get(3).before()),
                "the kill during a commit landed in one: " + kills.get(3));
        double late = fraction(random, 1.0, Math.max(1.0, 1.05 * committed.toMillis() / staged.toMillis()));
        kills.add(runAndKill("delta-kill-5", input, table, DELTA_KILLED,
                KillPoint.at(late, staged, "of the time to staged rows"), DELTA));
        Map<Long, String> committedBy = new TreeMap<>();
        committedBy.put(otherVersion, other.name());
        for (int i = 0; i < kills.size(); i++) {
            DriverKill kill = kills.get(i);
            for (long v = kill.before().version() + 1; v <= kill.after().version(); v++) {
                committedBy.put(v, kill.name());
            }
        }

        Submission rerun = awaitDriver(startDriver("delta-rerun", input, table, DELTA_KILLED, DELTA));
        assertSucceeded(rerun, inputs.size() - corrupt.size(), corrupt.size());
        long rerunVersion = assertCommitted(rerun, table);
        committedBy.put(rerunVersion, rerun.name());

        // Now: one row per input for each run id, with the contents a run writes.
        Dataset<Row> now = reader().read().format("delta").load(table.toString());
        for (String runId : List.of(DELTA_OTHER, DELTA_KILLED)) {
            assertExactlyOneRowPerImage(rowsPerImage(now, runId), inputs, "latest version, run " + runId);
            assertRowContents(now.filter("run_id = '" + runId + "'"), corrupt, "latest version, run " + runId);
        }
        assertEquals(List.of("run_id"), DeltaTable.forPath(reader(), table.toString()).detail()
                .select("partitionColumns").first().getList(0), "the table is partitioned by run_id");

        // Every version a reader could ever have read: whole runs only; each commit of the killed
        // run replaces all its rows (no file of the attempt before survives it) and leaves the other
        // run's files exactly as they were.
        List<TableVersion> history = tableHistory(table);
        assertEquals(committedBy.keySet(), history.stream().map(TableVersion::version).collect(Collectors.toSet()),
                "the table's versions are those the drivers were seen to commit: " + committedBy);
        TableVersion previous = null;
        for (TableVersion version : history) {
            String what = version + ", committed by " + committedBy.get(version.version());
            System.out.println("delta " + what);
            assertTrue(Set.of(DELTA_OTHER, DELTA_KILLED).containsAll(version.runs()), what + ": only the test's run ids");
            for (String runId : version.runs()) {
                assertExactlyOneRowPerImage(version.rowsOf(runId), inputs, what + ", run " + runId);
            }
            assertTrue(version.runs().contains(DELTA_OTHER), what + ": " + DELTA_OTHER + " is in every version");
            if (previous == null) {
                assertEquals(Set.of(DELTA_OTHER), version.runs(), what + ": the first version is the other run's");
            } else {
                assertEquals(previous.filesOf(DELTA_OTHER), version.filesOf(DELTA_OTHER),
                        what + ": the files of " + DELTA_OTHER + " are untouched");
                assertTrue(version.runs().contains(DELTA_KILLED), what + ": a later version is a commit of " + DELTA_KILLED);
                Set<String> kept = new TreeSet<>(version.filesOf(DELTA_KILLED));
                kept.retainAll(previous.filesOf(DELTA_KILLED));
                assertTrue(kept.isEmpty(), what + ": replaces the rows of " + DELTA_KILLED + " as a whole; kept " + kept);
            }
            previous = version;
        }
        assertEquals(rerunVersion, previous.version(), "the rerun's commit is the latest version");
        System.out.printf("delta: full run %.1f s (%s), kills %s, rerun %.1f s; %d versions; %s%n",
                fullRun.toMillis() / 1e3, other.name(), kills.stream().map(k -> String.format("%.1f s", k.seconds()))
                        .collect(Collectors.toList()), rerun.took().toMillis() / 1e3, history.size(),
                leftovers(table, history));
    }

    @Test
    @Order(5)
    void aStreamWhoseDriverIsKilledMidRunNeitherLosesNorDoublesAFileWhenRestarted() throws Exception {
        Path input = Files.createDirectories(dir.resolve("stream-images"));
        Path table = dir.resolve("stream-output");
        Set<String> corrupt = new TreeSet<>();

        // Round 1, scored by a stream run that completes: the yardstick for the random kill.
        corrupt.add(id(Files.writeString(input.resolve("broken-text.png"), "this is not an image")));
        Set<String> round1 = union(writeGoodImages(input, "stream-a", 7, 3000), corrupt);
        long started = System.nanoTime();
        Submission first = awaitDriver(startDriver("stream-1", input, table, "stream-1", STREAM));
        Duration fullRun = Duration.ofNanos(System.nanoTime() - started);
        assertSucceeded(first, round1.size() - 1, 1);
        assertEquals((round1.size() + STREAM_FILES_PER_BATCH - 1) / STREAM_FILES_PER_BATCH,
                first.summary().get("micro_batches").getAsLong(), "micro-batches of " + first.summary());

        // Round 2 has a zero-byte file: Spark's binaryFile source yields no row for it, the job adds
        // it back from the checkpoint's file list, which a replayed batch must do once only.
        Set<String> round2 = union(writeGoodImages(input, "stream-b", 7, 3100),
                Set.of(id(Files.write(input.resolve("broken-empty.jpg"), new byte[0]))));
        corrupt.add(id(input.resolve("broken-empty.jpg")));
        // A run killed as soon as its first micro-batch is in the table: most likely before the
        // checkpoint recorded that batch as done, so the restart replays it.
        DriverKill afterCommit = runAndKill("stream-2", input, table, "stream-2",
                KillPoint.on("just after a new table version appeared", DiskState::committedSince), STREAM);
        assertTrue(afterCommit.killed() && afterCommit.after().version() > afterCommit.before().version(),
                "the kill after a micro-batch's commit landed after one: " + afterCommit);

        // Round 3, and a run killed at a random point.
        Path whole = TestImages.write(dir, "stream-whole.jpg", 100, 80, "jpg", 9);
        corrupt.add(id(TestImages.truncated(whole, input.resolve("broken-truncated.jpg"), 300)));
        Set<String> round3 = union(writeGoodImages(input, "stream-c", 5, 3200),
                Set.of(id(input.resolve("broken-truncated.jpg"))));
        DriverKill random = runAndKill("stream-3", input, table, "stream-3",
                KillPoint.at(fraction(new Random(KILL_SEED + 1), 0.20, 0.90), fullRun), STREAM);

        // Round 4, and a run to completion.
        Set<String> round4 = writeGoodImages(input, "stream-d", 4, 3300);
        long rowsBefore = reader().read().format("delta").load(table.toString()).count();
        Submission last = awaitDriver(startDriver("stream-4", input, table, "stream-4", STREAM));
        Dataset<Row> now = reader().read().format("delta").load(table.toString());
        Dataset<Row> lastRows = now.filter("run_id = 'stream-4'");
        long lastInvalid = lastRows.filter("error is not null").count();
        assertSucceeded(last, lastRows.count() - lastInvalid, lastInvalid);
        assertEquals(now.count() - rowsBefore, lastRows.count(), "the last run's rows are what it added to the table");
        assertTrue(last.summary().has("micro_batches"), "micro_batches in " + last.summary());

        // Every file of every round exactly once, under the run id of the invocation that committed it.
        Set<String> all = union(union(round1, round2), union(round3, round4));
        assertExactlyOneRowPerImage(rowsPerPath(now), all, "stream, latest version");
        assertRowContents(now, corrupt, "stream, latest version");
        Map<String, String> runOf = new HashMap<>();
        now.select("path", "run_id").collectAsList().forEach(r -> runOf.put(id(r.getString(0)), r.getString(1)));
        assertRunIds(runOf, round1, Set.of("stream-1"));
        assertRunIds(runOf, round2, Set.of("stream-2", "stream-3", "stream-4"));
        assertRunIds(runOf, round3, Set.of("stream-3", "stream-4"));
        assertRunIds(runOf, round4, Set.of("stream-4"));
        assertTrue(runOf.containsValue("stream-2"), "the killed run's committed micro-batch kept its rows: " + afterCommit);

        // Every version: no path twice; each commit only adds rows, of at most one micro-batch and one run.
        TableVersion previous = null;
        List<TableVersion> history = tableHistory(table);
        for (TableVersion version : history) {
            System.out.println("stream " + version);
            Map<String, Long> rows = version.rowsPerPath();
            Map<String, Long> doubled = rows.entrySet().stream().filter(e -> e.getValue() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
            assertTrue(doubled.isEmpty(), version + ": no path twice; " + doubled);
            if (previous != null) {
                assertTrue(rows.keySet().containsAll(previous.rowsPerPath().keySet()), version + " keeps every earlier row");
                Set<String> changed = new TreeSet<>();
                for (String runId : version.runs()) {
                    if (!version.filesOf(runId).equals(previous.filesOf(runId))) {
                        changed.add(runId);
                    }
                }
                assertTrue(changed.size() <= 1, version + ": one micro-batch of one run per commit; new rows of " + changed);
                assertTrue(rows.size() - previous.rowsPerPath().size() <= STREAM_FILES_PER_BATCH,
                        version + ": at most " + STREAM_FILES_PER_BATCH + " files per micro-batch");
            }
            previous = version;
        }
        System.out.printf("stream: full run %.1f s, kills at %.1f s and %.1f s, last run %.1f s (%s); %s%n",
                fullRun.toMillis() / 1e3, afterCommit.seconds(), random.seconds(), last.took().toMillis() / 1e3,
                last.summary(), leftovers(table, history));
    }

    // ---- the driver -----------------------------------------------------------------------------

    /**
     * Starts {@code SparkSubmit} in client mode in a JVM of its own, with Spark's jars only, the
     * shaded jar as the application, and the job's arguments.
     */
    private static Process startDriver(String name, String runId, String... extraJobArgs) throws IOException {
        return startDriver(name, images, output, runId, extraJobArgs);
    }

    private static Process startDriver(String name, Path input, Path outputDir, String runId, String... extraJobArgs)
            throws IOException {
        assertNotNull(jar, "no application jar (see the set-up's failure)");
        Path logs = Files.createDirectories(dir.resolve("drivers"));
        Path localDir = Files.createDirectories(dir.resolve("driver-local").resolve(name));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptions().split("\\s+")));
        command.add("-cp");
        command.add(sparkClasspath);
        command.add("org.apache.spark.deploy.SparkSubmit");
        command.addAll(List.of("--master", cluster.masterUrl(), "--deploy-mode", "client",
                "--class", "io.resnetspark.job.ScoringJob", "--name", "StandaloneClusterJobTest " + name));
        Map<String, String> spark = new LinkedHashMap<>();
        spark.put("spark.driver.host", "127.0.0.1");
        spark.put("spark.driver.bindAddress", "127.0.0.1");
        spark.put("spark.ui.enabled", "false");
        spark.put("spark.ui.showConsoleProgress", "false");
        spark.put("spark.local.dir", localDir.toString());
        spark.put("spark.executor.cores", "1");
        spark.put("spark.executor.memory", "1g");
        spark.put("spark.cores.max", Integer.toString(WORKERS));
        // The workers' fake SPARK_HOME has no jars: Spark's own reach the executors this way; the
        // application (project, DJL, native library) only through the submitted jar.
        spark.put("spark.executor.extraClassPath", sparkClasspath);
        spark.put("spark.executor.extraJavaOptions", "-Dai.djl.offline=true");
        // binaryFile counts each file as openCostInBytes (4 MB) plus its length: about 16 files a task,
        // so that both executors get tasks and a killed one leaves work behind.
        spark.put("spark.sql.files.openCostInBytes", Long.toString(4L << 20));
        spark.put("spark.sql.files.maxPartitionBytes", Long.toString(16 * (4L << 20) + (1 << 20)));
        spark.forEach((key, value) -> command.addAll(List.of("--conf", key + "=" + value)));
        command.add(jar.toString());
        command.addAll(List.of("--input", input.toString(), "--output", outputDir.toString(), "--arch", "resnet18",
                "--run-id", runId, "--conf", "model.num-classes=10", "--conf", "model.preprocessing.resize-size=64",
                "--conf", "model.preprocessing.crop-size=64", "--conf", "model.batch-size=8", "--conf", "model.num-threads=1",
                "--conf", "model.seed=5"));
        command.addAll(Arrays.asList(extraJobArgs));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(logs.resolve(name + ".stdout").toFile())
                .redirectError(logs.resolve(name + ".stderr").toFile());
        Map<String, String> env = builder.environment();
        // No spark-defaults.conf or Hadoop configuration of this machine may leak into the driver.
        env.put("SPARK_HOME", cluster.sparkHome().toString());
        env.put("SPARK_CONF_DIR", cluster.sparkHome().resolve("conf").toString());
        env.put("SPARK_SCALA_VERSION", LocalClusterSpark.SCALA_BINARY_VERSION);
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        for (String variable : List.of("SPARK_TESTING", "HADOOP_CONF_DIR", "YARN_CONF_DIR", "SPARK_SUBMIT_OPTS",
                "SPARK_DIST_CLASSPATH", "PYSPARK_PYTHON")) {
            env.remove(variable);
        }
        Process driver = builder.start();
        drivers.put(driver, name);
        return driver;
    }

    private static Submission awaitDriver(Process driver) throws Exception {
        long start = System.nanoTime();
        String name = driverName(driver);
        if (!driver.waitFor(DRIVER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            endProcess(driver);
            fail("the driver " + name + " did not finish within " + DRIVER_TIMEOUT.toSeconds() + " s\n"
                    + tail(driverLog(name, "stderr"), 8000) + "\n" + cluster.diagnostics());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String stdout = driverLog(name, "stdout");
        String stderr = driverLog(name, "stderr");
        String[] lines = stdout.strip().split("\n");
        JsonObject summary;
        try {
            summary = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new AssertionError("the driver " + name + " (exit " + driver.exitValue() + ") did not end its standard"
                    + " output with the summary JSON:\n" + tail(stdout, 2000) + "\nstderr:\n" + tail(stderr, 8000), e);
        }
        Matcher app = APP_ID.matcher(stderr);
        String appId = app.find() ? app.group(1) : null;
        return new Submission(name, driver.exitValue(), summary, stdout, stderr, appId, took);
    }

    /** The name a driver was started under: its logs are {@code drivers/<name>.stdout} and {@code .stderr}. */
    private static String driverName(Process driver) {
        return drivers.get(driver);
    }

    private static String driverLog(String name, String stream) throws IOException {
        return read(dir.resolve("drivers").resolve(name + "." + stream));
    }

    private static void assertSucceeded(Submission run) {
        assertSucceeded(run, goodInputs.size(), corruptInputs.size());
    }

    private static void assertSucceeded(Submission run, long scored, long invalid) {
        String context = run.name() + ": " + run.summary() + "\n--- driver stderr ---\n" + tail(run.stderr(), 10000)
                + "\n--- cluster ---\n" + cluster.diagnostics();
        assertEquals(0, run.exitCode(), () -> "exit code of " + context);
        assertEquals("succeeded", run.summary().get("status").getAsString(), context);
        assertEquals(scored, run.summary().get("scored").getAsLong(), "scored in the summary of " + context);
        assertEquals(invalid, run.summary().get("invalid").getAsLong(), "invalid in the summary of " + context);
        assertEquals(scored + invalid, run.summary().get("rows_read").getAsLong(), "rows_read in the summary of " + context);
        assertNotNull(run.appId(), "the driver ran on the standalone cluster (app id in its log): " + context);
        assertTrue(run.stderr().lines().noneMatch(l -> l.contains("ExecutorModelHost")),
                "the driver never loads the model, the executors do:\n" + tail(run.stderr(), 4000));
    }

    // ---- killing an executor --------------------------------------------------------------------

    /** What the kill did. */
    record Kill(String appId, String executorId, long pid, boolean driverAliveBefore, boolean driverAliveAfter,
            boolean exited, long afterLoadMillis) {
        @Override
        public String toString() {
            return "executor " + executorId + " of " + appId + " (pid " + pid + ") killed with SIGKILL " + afterLoadMillis
                    + " ms after its model load was seen, driver alive before/after: " + driverAliveBefore + "/"
                    + driverAliveAfter + ", executor exited: " + exited;
        }
    }

    /**
     * Waits until an executor of the driver's application has logged its model load (it is scoring
     * its first task), then kills that JVM with SIGKILL while the driver runs.
     */
    private static Kill killAnExecutorOnceItScores(Process driver) throws Exception {
        String name = driverName(driver);
        long deadline = System.nanoTime() + DRIVER_TIMEOUT.toNanos();
        String appId = null;
        while (System.nanoTime() < deadline) {
            if (!driver.isAlive()) {
                fail("the driver " + name + " finished (exit " + driver.exitValue() + ") before an executor could be"
                        + " killed mid-run:\n" + tail(driverLog(name, "stderr"), 6000) + "\n" + cluster.diagnostics());
            }
            if (appId == null) {
                Matcher app = APP_ID.matcher(driverLog(name, "stderr"));
                appId = app.find() ? app.group(1) : null;
            }
            if (appId != null) {
                for (ProcessHandle executor : cluster.executorProcesses()) {
                    List<String> args = LocalClusterSpark.commandLine(executor);
                    String executorId = valueAfter(args, "--executor-id");
                    if (!appId.equals(valueAfter(args, "--app-id")) || executorId == null) {
                        continue;
                    }
                    Optional<Path> log = executorLog(appId, executorId);
                    if (log.isPresent() && read(log.get()).contains(LOAD_1)) {
                        long seen = System.nanoTime();
                        boolean aliveBefore = driver.isAlive();
                        boolean killed = executor.destroyForcibly(); // SIGKILL
                        boolean aliveAfter = driver.isAlive();
                        assertTrue(killed, "SIGKILL could be sent to executor " + executorId + " (pid " + executor.pid() + ")");
                        boolean exited;
                        try {
                            executor.onExit().get(20, TimeUnit.SECONDS);
                            exited = true;
                        } catch (java.util.concurrent.TimeoutException e) {
                            exited = false;
                        }
                        Kill kill = new Kill(appId, executorId, executor.pid(), aliveBefore, aliveAfter, exited,
                                (System.nanoTime() - seen) / 1_000_000);
                        assertTrue(exited && !executor.isAlive(), "the killed executor JVM is gone: " + kill);
                        return kill;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no executor of " + appId + " logged a model load in time\n" + cluster.diagnostics());
    }

    private static String valueAfter(List<String> args, String flag) {
        int at = args.indexOf(flag);
        return at >= 0 && at + 1 < args.size() ? args.get(at + 1) : null;
    }

    /** How the worker saw the executor end, from the worker's log ("Executor app-.../N finished with state ..."). */
    private static String exitStateOf(String appId, String executorId) throws IOException {
        Pattern finished = Pattern.compile("Executor " + Pattern.quote(appId + "/" + executorId) + " finished with state (.*)");
        try (Stream<Path> logs = Files.list(cluster.baseDir().resolve("logs"))) {
            for (Path log : logs.sorted().collect(Collectors.toList())) {
                Matcher m = finished.matcher(read(log));
                if (m.find()) {
                    return m.group(1).strip();
                }
            }
        }
        return "(not in the worker logs)";
    }

    // ---- killing a driver -----------------------------------------------------------------------

    /**
     * What is on disk under a Delta output at one moment, read from the files themselves (the
     * Delta log's commit files are the protocol's, so this needs no Spark and can be polled):
     * the latest committed version, the staging directories whose write is complete (Spark's
     * {@code _SUCCESS} marker), and a stream checkpoint's planned and finished batches.
     */
    record DiskState(long version, Set<String> staged, Set<String> dataFiles, int batchesPlanned, int batchesDone) {

        private static final Pattern COMMIT = Pattern.compile("\\d{20}\\.json");
        private static final Pattern BATCH = Pattern.compile("\\d+");

        static DiskState of(Path table) {
            long version = names(table.resolve("_delta_log"), COMMIT).stream()
                    .mapToLong(n -> Long.parseLong(n.substring(0, 20))).max().orElse(-1);
            Set<String> staged = new TreeSet<>();
            for (String dir : names(table.resolve("_staging"), null)) {
                if (Files.exists(table.resolve("_staging").resolve(dir).resolve("_SUCCESS"))) {
                    staged.add(dir);
                }
            }
            Path checkpoint = table.resolve("_checkpoint");
            return new DiskState(version, staged, dataFiles(table), names(checkpoint.resolve("offsets"), BATCH).size(),
                    names(checkpoint.resolve("commits"), BATCH).size());
        }

        /**
         * The Parquet files in the table's partition directories, committed or not: Delta's writer
         * puts a commit's files in place first and then writes the log entry that adds them.
         */
        private static Set<String> dataFiles(Path table) {
            Set<String> files = new TreeSet<>();
            for (String partition : names(table, null)) {
                if (!partition.startsWith("_")) {
                    names(table.resolve(partition), null).stream().filter(n -> n.endsWith(".parquet"))
                            .forEach(n -> files.add(partition + "/" + n));
                }
            }
            return files;
        }

        /** File names in a directory (matching, when a pattern is given); none when it does not exist (yet, or any more). */
        private static List<String> names(Path dir, Pattern pattern) {
            try (Stream<Path> files = Files.list(dir)) {
                return files.map(p -> p.getFileName().toString())
                        .filter(n -> pattern == null || pattern.matcher(n).matches()).collect(Collectors.toList());
            } catch (IOException | java.io.UncheckedIOException e) {
                return List.of(); // a driver creates and deletes these while we look
            }
        }

        boolean committedSince(DiskState before) {
            return version > before.version;
        }

        boolean stagedSince(DiskState before) {
            return staged.stream().anyMatch(d -> !before.staged.contains(d));
        }

        /** A commit is being written: its data files are there, its log entry is not. */
        boolean writingSince(DiskState before) {
            return !committedSince(before) && dataFiles.stream().anyMatch(f -> !before.dataFiles.contains(f));
        }

        @Override
        public String toString() {
            return "table version " + (version < 0 ? "none" : version) + ", " + dataFiles.size() + " data file(s), "
                    + staged.size() + " complete staging dir(s)"
                    + (batchesPlanned == 0 && batchesDone == 0 ? ""
                            : ", checkpoint: " + batchesPlanned + " batch(es) planned, " + batchesDone + " done");
        }
    }

    /** When a driver is killed: a time after its start, or the first poll that sees an event on disk. */
    record KillPoint(String what, Duration after, java.util.function.BiPredicate<DiskState, DiskState> event) {

        static KillPoint at(double fraction, Duration fullRun) {
            return at(fraction, fullRun, "of a full run");
        }

        static KillPoint at(double fraction, Duration yardstick, String ofWhat) {
            return new KillPoint(String.format("at %.2f %s (%.1f s)", fraction, ofWhat, yardstick.toMillis() / 1e3),
                    Duration.ofMillis(Math.round(yardstick.toMillis() * fraction)), null);
        }

        /** {@code event} tests the state now against the state before the driver started. */
        static KillPoint on(String what, java.util.function.BiPredicate<DiskState, DiskState> event) {
            return new KillPoint(what, null, event);
        }
    }

    /** One driver and its kill: the disk before it started, at the kill, and once it and its executors were gone. */
    record DriverKill(String name, KillPoint point, double seconds, boolean killed, int exitCode, boolean appRegistered,
            DiskState before, DiskState atKill, DiskState after) {

        /** Where in the run the kill landed, from what the disk showed. */
        String landed() {
            if (!killed) {
                return "the driver finished (exit " + exitCode + ") before the kill point";
            }
            if (after.committedSince(before)) {
                return atKill.committedSince(before)
                        ? "after it committed version(s) " + (before.version + 1) + ".." + atKill.version
                        : "as it committed: version " + after.version + " appeared while it was killed";
            }
            if (atKill.writingSince(before)) {
                return "during its commit: data files written, not yet in the log";
            }
            if (atKill.stagedSince(before)) {
                return "after its rows were staged, before its commit wrote anything";
            }
            return appRegistered ? "while it scored (nothing staged, nothing committed)"
                    : "before the cluster ran its application";
        }

        @Override
        public String toString() {
            return String.format("%s killed %s, %.1f s after its start: %s; before: %s; at the kill: %s; after: %s; new"
                    + " version committed by the killed attempt: %s", name, point.what(), seconds, landed(), before, atKill,
                    after, after.committedSince(before) ? "yes (" + after.version + ")" : "no");
        }
    }

    /**
     * Starts a driver and sends its JVM SIGKILL at the kill point, then waits until the cluster has
     * no executor left (they end once their driver is gone), so that the next driver gets the cores.
     */
    private static DriverKill runAndKill(String name, Path input, Path table, String runId, KillPoint point,
            String... jobArgs) throws Exception {
        DiskState before = DiskState.of(table);
        long start = System.nanoTime();
        Process driver = startDriver(name, input, table, runId, jobArgs);
        DiskState atKill = null;
        boolean registered = false;
        double seconds = 0;
        try {
            while (driver.isAlive()) {
                long elapsed = System.nanoTime() - start;
                if (elapsed > DRIVER_TIMEOUT.toNanos()) {
                    fail(name + " neither finished nor reached its kill point (" + point.what() + ") within "
                            + DRIVER_TIMEOUT.toSeconds() + " s\n" + tail(driverLog(name, "stderr"), 6000));
                }
                DiskState now = point.event() != null ? DiskState.of(table) : null;
                if (point.event() != null ? point.event().test(now, before) : elapsed >= point.after().toNanos()) {
                    atKill = now != null ? now : DiskState.of(table);
                    registered = APP_ID.matcher(driverLog(name, "stderr")).find();
                    seconds = (System.nanoTime() - start) / 1e9;
                    driver.destroyForcibly(); // SIGKILL
                    break;
                }
                Thread.sleep(POLL.toMillis());
            }
            assertTrue(driver.waitFor(30, TimeUnit.SECONDS), name + ": the driver JVM is gone after SIGKILL");
        } finally {
            endProcess(driver);
        }
        boolean killed = atKill != null;
        if (killed) {
            // 128 + 9: the JVM ended by SIGKILL, no shutdown hook ran.
            assertEquals(137, driver.exitValue(), name + ": the driver died of SIGKILL\n" + tail(driverLog(name, "stderr"), 4000));
        } else {
            seconds = (System.nanoTime() - start) / 1e9;
            atKill = DiskState.of(table);
        }
        awaitNoExecutors(name);
        DriverKill kill = new DriverKill(name, point, seconds, killed, driver.exitValue(), registered, before, atKill,
                DiskState.of(table));
        System.out.println("kill: " + kill);
        return kill;
    }

    private static void awaitNoExecutors(String after) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!cluster.executorProcesses().isEmpty()) {
            if (System.nanoTime() > deadline) {
                fail("executors still run 60 s after their driver " + after + " was killed: "
                        + cluster.executorProcesses() + "\n" + cluster.diagnostics());
            }
            Thread.sleep(200);
        }
    }

    private static double fraction(Random random, double from, double to) {
        return from + random.nextDouble() * (to - from);
    }

    // ---- Delta output ---------------------------------------------------------------------------

    /** The summary of a finished Delta run names the version it committed, which is the table's latest. */
    private static long assertCommitted(Submission run, Path table) {
        JsonObject summary = run.summary();
        assertEquals("delta", summary.has("output_format") ? summary.get("output_format").getAsString() : null,
                "output_format in " + summary);
        assertTrue(summary.has("delta_version"), "delta_version in " + summary);
        long version = summary.get("delta_version").getAsLong();
        assertEquals(DiskState.of(table).version(), version, run.name() + " committed the latest version: " + summary);
        return version;
    }

    /** One version of a Delta table as a reader sees it (time travel): its rows and data files per run id. */
    record TableVersion(long version, String operation, Map<String, Map<String, Long>> rows,
            Map<String, Set<String>> files) {

        Set<String> runs() {
            return rows.keySet();
        }

        Map<String, Long> rowsOf(String runId) {
            return rows.getOrDefault(runId, Map.of());
        }

        Set<String> filesOf(String runId) {
            return files.getOrDefault(runId, Set.of());
        }

        Map<String, Long> rowsPerPath() {
            Map<String, Long> all = new TreeMap<>();
            rows.values().forEach(r -> r.forEach((path, n) -> all.merge(path, n, Long::sum)));
            return all;
        }

        @Override
        public String toString() {
            Map<String, String> perRun = new TreeMap<>();
            rows.forEach((run, r) -> perRun.put(run, r.values().stream().mapToLong(Long::longValue).sum() + " rows in "
                    + filesOf(run).size() + " file(s)"));
            return "version " + version + " (" + operation + "): " + perRun;
        }
    }

    /** Every version in the table's history, read as of that version. */
    private static List<TableVersion> tableHistory(Path table) {
        List<TableVersion> versions = new ArrayList<>();
        List<Row> commits = DeltaTable.forPath(reader(), table.toString()).history()
                .select("version", "operation", "operationParameters").orderBy("version").collectAsList();
        for (Row commit : commits) {
            long version = commit.getLong(0);
            Map<String, Map<String, Long>> rows = new TreeMap<>();
            Map<String, Set<String>> files = new TreeMap<>();
            for (Row row : reader().read().format("delta").option("versionAsOf", version).load(table.toString())
                    .select(col("run_id"), col("path"), input_file_name()).collectAsList()) {
                rows.computeIfAbsent(row.getString(0), r -> new TreeMap<>()).merge(id(row.getString(1)), 1L, Long::sum);
                files.computeIfAbsent(row.getString(0), r -> new TreeSet<>()).add(id(row.getString(2)));
            }
            String operation = commit.getString(1) + " " + commit.getJavaMap(2);
            versions.add(new TableVersion(version, operation, rows, files));
        }
        return versions;
    }

    /**
     * What killed attempts leave on disk that no version of the table refers to: data files of
     * commits that never happened (Delta's VACUUM removes them) and staging directories. Readers
     * of the table never see them; reported, not asserted.
     */
    private static String leftovers(Path table, List<TableVersion> history) throws IOException {
        Set<String> referenced = new TreeSet<>();
        history.forEach(v -> v.runs().forEach(r -> referenced.addAll(v.filesOf(r))));
        long unreferenced;
        try (Stream<Path> files = Files.walk(table)) {
            unreferenced = files.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                    .filter(f -> !table.relativize(f).toString().startsWith("_"))
                    .filter(f -> !referenced.contains(id(f))).count();
        }
        List<String> staging = DiskState.names(table.resolve("_staging"), null);
        return unreferenced + " data file(s) in no version of the table, " + staging.size() + " staging dir(s) left "
                + staging;
    }

    private static Map<String, Long> rowsPerPath(Dataset<Row> rows) {
        Map<String, Long> perPath = new HashMap<>();
        for (Row row : rows.groupBy("path").count().collectAsList()) {
            perPath.merge(id(row.getString(0)), row.getLong(1), Long::sum);
        }
        return perPath;
    }

    private static void assertRunIds(Map<String, String> runOf, Set<String> files, Set<String> allowed) {
        Map<String, String> other = new TreeMap<>();
        files.stream().filter(f -> !allowed.contains(runOf.get(f))).forEach(f -> other.put(f, runOf.get(f)));
        assertTrue(other.isEmpty(), "these files were scored by one of " + allowed + ", not by: " + other);
    }

    // ---- inputs ---------------------------------------------------------------------------------

    /** {@code count} small PNG and JPEG images of varying sizes named {@code <prefix>-NNN}, by id. */
    private static Set<String> writeGoodImages(Path target, String prefix, int count, long seed) throws IOException {
        Set<String> written = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            String format = i % 3 == 0 ? "jpg" : "png";
            written.add(id(TestImages.write(target, String.format("%s-%03d.%s", prefix, i, format), 80 + (i % 5) * 4,
                    60 + (i % 7) * 4, format, seed + i)));
        }
        return written;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    // ---- executor logs --------------------------------------------------------------------------

    private static Optional<Path> executorLog(String appId, String executorId) throws IOException {
        return cluster.executorLogFiles().stream()
                .filter(p -> p.getParent().getFileName().toString().equals(executorId)
                        && p.getParent().getParent().getFileName().toString().equals(appId))
                .findFirst();
    }

    /** Executor id to the "model load #N" numbers its JVM logged, for every executor of the application. */
    private static Map<String, List<Integer>> modelLoadsPerExecutor(String appId) throws IOException {
        Map<String, List<Integer>> loads = new TreeMap<>();
        for (Path log : cluster.executorLogFiles()) {
            if (!log.getParent().getParent().getFileName().toString().equals(appId)) {
                continue;
            }
            List<Integer> numbers = new ArrayList<>();
            Matcher m = LOAD_N.matcher(read(log));
            while (m.find()) {
                numbers.add(Integer.parseInt(m.group(1)));
            }
            loads.put(log.getParent().getFileName().toString(), numbers);
        }
        return loads;
    }

    private void assertEachExecutorLoadedOnce(Map<String, List<Integer>> loads, Submission run) {
        assertFalse(loads.isEmpty(), "the application " + run.appId() + " had executors\n" + cluster.diagnostics());
        for (Map.Entry<String, List<Integer>> executor : loads.entrySet()) {
            List<Integer> numbers = executor.getValue();
            assertTrue(numbers.isEmpty() || numbers.equals(List.of(1)),
                    "executor " + executor.getKey() + " of " + run.name() + " loaded the model at most once (loads per"
                            + " executor " + loads + ")\n" + cluster.executorLogs());
        }
    }

    // ---- the output -----------------------------------------------------------------------------

    private static Dataset<Row> read() {
        return reader().read().parquet(output.toString());
    }

    /**
     * The test JVM's local session that reads what the drivers wrote. It has Delta's extension and
     * catalog, which time travel and {@code DeltaTable} need; Parquet reads do not mind them.
     */
    private static SparkSession reader() {
        if (reader == null) {
            reader = SparkTestSession.builder("StandaloneClusterJobTest-reader")
                    .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                    .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                    .getOrCreate();
        }
        return reader;
    }

    /** Input id (the file's absolute path) to the number of output rows of the run. */
    private static Map<String, Long> rowsPerImage(String runId) {
        return rowsPerImage(read(), runId);
    }

    private static Map<String, Long> rowsPerImage(Dataset<Row> rowsOfAllRuns, String runId) {
        Map<String, Long> rows = new HashMap<>();
        for (Row row : rowsOfAllRuns.filter("run_id = '" + runId + "'").groupBy("path").count().collectAsList()) {
            rows.merge(id(row.getString(0)), row.getLong(1), Long::sum);
        }
        return rows;
    }

    private static void assertExactlyOneRowPerImage(Map<String, Long> rows, String runId) {
        assertExactlyOneRowPerImage(rows, allInputs, runId);
    }

    private static void assertExactlyOneRowPerImage(Map<String, Long> rows, Set<String> inputs, String what) {
        Set<String> missing = new TreeSet<>(inputs);
        missing.removeAll(rows.keySet());
        Set<String> unexpected = new TreeSet<>(rows.keySet());
        unexpected.removeAll(inputs);
        Map<String, Long> duplicated = rows.entrySet().stream().filter(e -> e.getValue() != 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
        assertTrue(missing.isEmpty() && unexpected.isEmpty() && duplicated.isEmpty(), what + ": every input exactly once;"
                + " missing " + missing + ", unexpected " + unexpected + ", more than once " + duplicated);
    }

    private static void assertRowContents(String runId) {
        assertRowContents(read().filter("run_id = '" + runId + "'"), corruptInputs, runId);
    }

    /** Good images have 10 finite logits and no error; the corrupt files have an error and no logits. */
    private static void assertRowContents(Dataset<Row> rows, Set<String> corrupt, String what) {
        for (Row row : rows.select("path", "logits", "error").collectAsList()) {
            String input = id(row.getString(0));
            if (corrupt.contains(input)) {
                assertTrue(row.isNullAt(1) && !row.isNullAt(2), what + ": " + input + " is an invalid row: " + row);
            } else {
                assertTrue(row.isNullAt(2), what + ": " + input + " was scored: " + row);
                List<Float> logits = row.getList(1);
                assertEquals(10, logits.size(), what + ": " + input);
                assertTrue(logits.stream().allMatch(Float::isFinite), what + ": " + input + " " + logits);
            }
        }
    }

    private static Timestamp latestScoredAt(String runId) {
        return (Timestamp) read().filter("run_id = '" + runId + "'").selectExpr("max(scored_at)").first().get(0);
    }

    /** An input's identity: its absolute local path, from a file or from the job's {@code path} column (a URI). */
    private static String id(Path file) {
        return file.toAbsolutePath().normalize().toString();
    }

    private static String id(String uriOrPath) {
        return uriOrPath.startsWith("file:") ? id(Path.of(URI.create(uriOrPath))) : id(Path.of(uriOrPath));
    }

    // ---- the application jar --------------------------------------------------------------------

    /**
     * Starts {@code mvn package} of this project into {@code buildDir}, without tests: the real
     * maven-shade-plugin execution of the pom. Offline when the running build is, with its settings
     * and its local repository.
     */
    private static Process startJarBuild(Path buildDir, Path log) throws IOException {
        Path basedir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        Path pom = basedir.resolve("pom.xml");
        assertTrue(Files.isRegularFile(pom), "the project's pom.xml is at " + pom);
        List<String> command = new ArrayList<>(List.of(maven().toString(), "-B", "-q", "-f", pom.toString(),
                "-Dmaven.test.skip=true", "-Dbuild.dir=" + buildDir,
                "-P" + System.getProperty("resnet.maven.profile", "spark-3.5")));
        localRepository().ifPresent(repo -> command.add("-Dmaven.repo.local=" + repo));
        command.addAll(parentMavenOptions());
        command.add("package");
        return new ProcessBuilder(command)
                .directory(basedir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    /** {@code mvn}: from MAVEN_HOME, else the PATH. */
    private static Path maven() {
        for (String home : new String[] {System.getenv("MAVEN_HOME"), System.getenv("M2_HOME"), System.getProperty("maven.home")}) {
            if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
                return Path.of(home, "bin", "mvn");
            }
        }
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, "mvn"))) {
                return Path.of(entry, "mvn");
            }
        }
        throw new AssertionError("mvn is needed to build the application jar: neither MAVEN_HOME nor the PATH has it");
    }

    /** The local repository the running build resolved Spark from (the root above spark-core's jar). */
    private static Optional<Path> localRepository() {
        return classpathEntries().stream()
                .filter(e -> e.getFileName().toString().startsWith("spark-core_") && e.toString().contains("/org/apache/spark/"))
                .map(e -> e.getParent().getParent().getParent().getParent().getParent().getParent())
                .findFirst();
    }

    /** Offline mode and settings files of the running build (the mvn script exports its arguments). */
    private static List<String> parentMavenOptions() {
        List<String> args = Arrays.asList(System.getenv().getOrDefault("MAVEN_CMD_LINE_ARGS", "").trim().split("\\s+"));
        List<String> options = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-o") || arg.equals("--offline")) {
                options.add("-o");
            } else if (List.of("-s", "--settings", "-gs", "--global-settings").contains(arg) && i + 1 < args.size()) {
                options.add(arg);
                options.add(args.get(++i));
            }
        }
        return options;
    }

    private static Path findShadedJar(Path buildDir) throws IOException {
        try (Stream<Path> files = Files.list(buildDir)) {
            // resnet-spark-<line>_<scala>-<version>-pytorch-native-<flavour>.jar: named for the line under test.
            String line = System.getProperty("resnet.spark.line", "3.5") + "_" + LocalClusterSpark.SCALA_BINARY_VERSION;
            List<Path> jars = files.filter(p -> p.getFileName().toString().startsWith("resnet-spark-" + line + "-")
                            && p.getFileName().toString().matches("resnet-spark-.*-pytorch-native-.*\\.jar"))
                    .collect(Collectors.toList());
            assertEquals(1, jars.size(), "one shaded application jar in " + buildDir + ": " + jars);
            return jars.get(0);
        }
    }

    /** The project, DJL and the native library inside; Spark outside (provided); the job as main class. */
    private static void checkShadedJar(Path file) throws IOException {
        try (JarFile jarFile = new JarFile(file.toFile())) {
            for (String entry : List.of("io/resnetspark/job/ScoringJob.class", "io/resnetspark/job/defaults.conf",
                    "ai/djl/pytorch/engine/PtEngine.class", "native/lib/pytorch.properties", "jnilib/pytorch.properties",
                    "picocli/CommandLine.class", "com/typesafe/config/Config.class", "io/resnetspark/shaded/gson/Gson.class",
                    "io/delta/tables/DeltaTable.class", "io/delta/sql/DeltaSparkSessionExtension.class")) {
                assertNotNull(jarFile.getEntry(entry), file + " contains " + entry);
            }
            for (String entry : List.of("org/apache/spark/SparkContext.class", "scala/Predef.class", "com/google/gson/Gson.class")) {
                assertEquals(null, jarFile.getEntry(entry), file + " must not contain " + entry);
            }
            assertEquals("io.resnetspark.job.ScoringJob", jarFile.getManifest().getMainAttributes().getValue("Main-Class"));
        }
    }

    // ---- classpaths -----------------------------------------------------------------------------

    private static List<Path> classpathEntries() {
        return Arrays.stream(LocalClusterSpark.testClasspath().split(File.pathSeparator))
                .filter(e -> !e.isBlank()).map(Path::of).collect(Collectors.toList());
    }

    /**
     * Spark and its dependencies as Maven resolved them for the tests: the test classpath without
     * class directories (the project's classes) and without the jars only the application needs.
     */
    private static String sparkOnlyClasspath() {
        List<String> entries = classpathEntries().stream()
                .filter(e -> e.getFileName().toString().endsWith(".jar") && Files.isRegularFile(e))
                .map(Path::toString)
                .filter(e -> APPLICATION_ONLY_JARS.stream().noneMatch(e::contains))
                .collect(Collectors.toList());
        String scala = LocalClusterSpark.SCALA_BINARY_VERSION;
        assertTrue(entries.stream().anyMatch(e -> e.contains("spark-core_" + scala)) && entries.stream().anyMatch(e -> e.contains("spark-sql_" + scala)),
                "Spark's jars are on the test classpath: " + entries);
        return String.join(File.pathSeparator, entries);
    }

    // ---- plumbing -------------------------------------------------------------------------------

    private static void endProcess(Process process) throws InterruptedException {
        List<ProcessHandle> children = process.descendants().collect(Collectors.toList());
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
        for (ProcessHandle child : children) {
            child.destroyForcibly();
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void run(List<Throwable> problems, Step step) {
        try {
            step.run();
        } catch (Throwable t) {
            problems.add(t);
        }
    }

    private static String read(Path file) throws IOException {
        // Lenient: logs may end in the middle of a character while they are written.
        return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    }

    private static String tail(String text, int chars) {
        return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
    }
}
