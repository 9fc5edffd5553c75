package io.resnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import io.resnetspark.engine.DeviceChoice;
import io.resnetspark.engine.GpuUnavailableException;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.testing.LocalClusterSpark;
import io.resnetspark.testing.TestImages;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Where the model goes: {@link DevicePlacement#resolve} branch by branch, then on a real Spark
 * standalone cluster with GPU scheduling and fake GPUs, proof that the device follows the GPU
 * address Spark assigned to each task (never a silent GPU 0), and that {@code auto} falls back to
 * the CPU on this CPU build with the transformer running in separate executor JVMs.
 */
class DevicePlacementTest {

    private static final DeviceChoice GPU = DeviceChoice.parse("gpu");

    // ---- resolve(), every branch -------------------------------------------------------------------

    @Test
    void cpuIsTheCpuWhateverSparkAssignedOrTheEngineSees() {
        assertEquals(Device.cpu(), DevicePlacement.resolve(DeviceChoice.CPU, Optional.empty(), 0));
        assertEquals(Device.cpu(), DevicePlacement.resolve(DeviceChoice.CPU, Optional.of("3"), 4));
        assertEquals(Device.cpu(), DevicePlacement.resolve(DeviceChoice.CPU, Optional.of("not-an-ordinal"), 4));
    }

    @Test
    void autoIsTheCpuOnlyWhenSparkAssignedNoGpuAndTheEngineSeesNone() {
        assertEquals(Device.cpu(), DevicePlacement.resolve(DeviceChoice.AUTO, Optional.empty(), 0));
        // A GPU Spark assigned is never silently replaced by the CPU: the message names the build to deploy.
        GpuUnavailableException e = assertThrows(GpuUnavailableException.class,
                () -> DevicePlacement.resolve(DeviceChoice.AUTO, Optional.of("2"), 0));
        assertTrue(e.getMessage().startsWith("Spark assigned GPU 2 to this task (device=auto), but the PyTorch engine"
                + " sees no GPU: this is the CPU build (pytorch-native-cpu)"), e.getMessage());
        assertTrue(e.getMessage().contains("-Pcu118") && e.getMessage().contains("device=cpu"), e.getMessage());
    }

    @Test
    void autoWithGpusGoesToTheAssignedGpu() {
        assertEquals(Device.gpu(2), DevicePlacement.resolve(DeviceChoice.AUTO, Optional.of("2"), 4, null));
        assertEquals(Device.gpu(3), DevicePlacement.resolve(DeviceChoice.AUTO, Optional.of(" 3 "), 4, null));
        assertEquals(Device.gpu(0), DevicePlacement.resolve(DeviceChoice.AUTO, Optional.of("0"), 1, null));
    }

    @Test
    void autoWithGpusAndNoAssignmentIsTheFirstGpu() {
        assertEquals(Device.gpu(0), DevicePlacement.resolve(DeviceChoice.AUTO, Optional.empty(), 2, null));
    }

    @Test
    void gpuTakesTheAssignmentOverTheRequestedIndexAndTheIndexOtherwise() {
        assertEquals(Device.gpu(3), DevicePlacement.resolve(DeviceChoice.parse("gpu:1"), Optional.of("3"), 4, null));
        assertEquals(Device.gpu(2), DevicePlacement.resolve(GPU, Optional.of("2"), 4, null));
        assertEquals(Device.gpu(1), DevicePlacement.resolve(DeviceChoice.parse("gpu:1"), Optional.empty(), 4, null));
        assertEquals(Device.gpu(0), DevicePlacement.resolve(GPU, Optional.empty(), 1, null));
    }

    @Test
    void gpuWithoutGpusNamesTheGpuBuild() {
        for (DeviceChoice choice : List.of(GPU, DeviceChoice.parse("gpu:2"))) {
            for (Optional<String> assigned : List.of(Optional.<String>empty(), Optional.of("2"))) {
                GpuUnavailableException e = assertThrows(GpuUnavailableException.class,
                        () -> DevicePlacement.resolve(choice, assigned, 0));
                assertTrue(e.getMessage().contains("sees no GPU: this is the CPU build"), e.getMessage());
                assertTrue(e.getMessage().contains("-Pcu118") && e.getMessage().contains("device=cpu"), e.getMessage());
                assertTrue(e.getMessage().contains(assigned.isPresent() ? "Spark assigned GPU 2"
                        : "device=" + choice + " asks for a GPU"), e.getMessage());
            }
        }
    }

    @Test
    void aRequestedIndexBeyondTheVisibleGpusIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DevicePlacement.resolve(DeviceChoice.parse("gpu:4"), Optional.empty(), 2, null));
        assertTrue(e.getMessage().contains("GPU 4 was requested but the engine sees 2 GPU(s)"), e.getMessage());
    }

    @Test
    void anAssignmentBeyondTheVisibleGpusIsAnErrorNotAnotherGpu() {
        for (DeviceChoice choice : List.of(DeviceChoice.AUTO, GPU)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> DevicePlacement.resolve(choice, Optional.of("5"), 4, null));
            assertTrue(e.getMessage().contains("Spark assigned GPU 5 (CUDA ordinal 5) but the engine sees 4 GPU(s)"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("CUDA_VISIBLE_DEVICES"), e.getMessage());
            IllegalStateException negative = assertThrows(IllegalStateException.class,
                    () -> DevicePlacement.resolve(choice, Optional.of("-1"), 4, null));
            assertTrue(negative.getMessage().contains("Spark assigned GPU -1"), negative.getMessage());
        }
    }

    @Test
    void aNonNumericAddressIsAnErrorWithoutCudaVisibleDevices() {
        for (DeviceChoice choice : List.of(DeviceChoice.AUTO, GPU)) {
            for (String address : List.of("GPU-5f1c2d3e", "", "2.0")) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> DevicePlacement.resolve(choice, Optional.of(address), 4, null));
                assertTrue(e.getMessage().contains("'" + address + "'")
                        && e.getMessage().contains("not a CUDA device ordinal"), e.getMessage());
            }
        }
    }

    @Test
    void withCudaVisibleDevicesTheAddressIsLookedUpInItsList() {
        // CUDA numbers the listed GPUs 0, 1, ... in the order given.
        assertEquals(Device.gpu(0), DevicePlacement.resolve(DeviceChoice.AUTO, Optional.of("2"), 2, "2,3"));
        assertEquals(Device.gpu(1), DevicePlacement.resolve(DeviceChoice.AUTO, Optional.of("3"), 2, "2,3"));
        assertEquals(Device.gpu(0), DevicePlacement.resolve(GPU, Optional.of("3"), 2, " 3, 2"));
        assertEquals(Device.gpu(1), DevicePlacement.resolve(GPU, Optional.of("GPU-b2"), 2, "GPU-a1,GPU-b2"));
        IllegalStateException hidden = assertThrows(IllegalStateException.class,
                () -> DevicePlacement.resolve(DeviceChoice.AUTO, Optional.of("1"), 2, "2,3"));
        assertTrue(hidden.getMessage().contains("Spark assigned GPU '1', which CUDA_VISIBLE_DEVICES=2,3 does not list"),
                hidden.getMessage());
    }

    @Test
    void outsideATaskNothingIsAssigned() {
        assertEquals(Optional.empty(), DevicePlacement.assignedGpu(null));
    }

    // ---- on a real cluster with GPU scheduling and fake GPUs ------------------------------------

    /**
     * One standalone worker offering 4 cores and the fake GPUs "2" and "3"; the application asks
     * for executors of 2 cores and 1 GPU each, and half a GPU per task, so it gets two executors
     * (one per GPU) and two tasks share each GPU: the layout conf/spark-defaults.conf recommends.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnASparkClusterWithFakeGpus {

        private static final int EXECUTORS = 2;
        private Path dir;
        private LocalClusterSpark cluster;
        private SparkSession spark;

        @BeforeAll
        void startCluster() throws IOException {
            dir = Files.createTempDirectory("device-placement-cluster");
            cluster = LocalClusterSpark.builder(dir)
                    .workers(1)
                    .coresPerWorker(4)
                    .memoryPerWorkerMb(2048)
                    .fakeGpus("2,3")
                    .start();
            spark = cluster.sessionBuilder("DevicePlacementTest", 2, "768m")
                    .config("spark.executor.resource.gpu.amount", "1")
                    .config("spark.task.resource.gpu.amount", "0.5")
                    // As a YARN or Kubernetes GPU isolation would: the executor's CUDA sees these two only.
                    .config("spark.executorEnv." + DevicePlacement.CUDA_VISIBLE_DEVICES, "2,3")
                    .config("spark.cores.max", Integer.toString(2 * EXECUTORS))
                    .getOrCreate();
            cluster.awaitExecutors(spark, EXECUTORS, Duration.ofSeconds(90));
        }

        @AfterAll
        void stopCluster() throws IOException {
            try {
                LocalClusterSpark.stopSession(spark);
            } finally {
                if (cluster != null) {
                    cluster.close();
                }
                deleteRecursively(dir);
            }
        }

        /** Runs a Spark action; a failure carries the cluster's logs (executors' stderr included). */
        private <T> T onCluster(Supplier<T> action) {
            try {
                return action.get();
            } catch (Exception e) { // SparkException arrives unchecked through Scala
                throw new AssertionError("the Spark job failed: " + e.getMessage() + "\n" + cluster.diagnostics(), e);
            }
        }

        @Test
        void eachTaskIsPlacedOnTheCudaOrdinalOfTheGpuSparkAssigned() {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            List<Integer> partitions = IntStream.range(0, 8).boxed().collect(Collectors.toList());
            List<Placement> placements =
                    onCluster(() -> jsc.parallelize(partitions, partitions.size()).map(new Probe()).collect());
            String report = placements.stream().map(Placement::toString).collect(Collectors.joining("\n"));

            assertEquals(partitions.size(), placements.size(), report);
            long driverPid = ProcessHandle.current().pid();
            Map<String, Set<String>> addressesByExecutor = new TreeMap<>();
            for (Placement p : placements) {
                assertNotEquals(driverPid, p.pid, "tasks run in executor JVMs, not the driver:\n" + report);
                assertTrue(p.assigned != null && Set.of("2", "3").contains(p.assigned),
                        "every task got one of the fake GPUs:\n" + report);
                assertEquals("2,3", p.cudaVisibleDevices, report);
                assertEquals(Device.gpu(List.of("2", "3").indexOf(p.assigned)).toString(), p.withTwoVisibleGpus,
                        "GPU 2 is CUDA's 0 and GPU 3 CUDA's 1 under CUDA_VISIBLE_DEVICES=2,3:\n" + report);
                assertEquals(0, p.engineGpus, "this CPU build's engine sees no GPU:\n" + report);
                assertTrue(p.withEngineGpus.startsWith("error: Spark assigned GPU " + p.assigned
                        + " to this task (device=auto), but the PyTorch engine sees no GPU: this is the CPU build"),
                        "auto never falls back to the CPU silently when Spark assigned a GPU:\n" + report);
                addressesByExecutor.computeIfAbsent(p.executorId, k -> new TreeSet<>()).add(p.assigned);
            }
            assertEquals(EXECUTORS, addressesByExecutor.size(), "both executors ran tasks:\n" + report);
            Set<String> seen = new HashSet<>();
            for (Set<String> addresses : addressesByExecutor.values()) {
                assertEquals(1, addresses.size(), "an executor keeps the one GPU the worker gave it:\n" + report);
                seen.addAll(addresses);
            }
            assertEquals(Set.of("2", "3"), seen, "each executor has its own GPU:\n" + report);
            assertEquals(EXECUTORS, placements.stream().map(p -> p.pid).distinct().count(), report);
            assertTrue(twoTasksSharedAGpuAtOnce(placements),
                    "with spark.task.resource.gpu.amount=0.5 two tasks run on one GPU at the same time:\n" + report);
        }

        @Test
        void theTransformerFailsWithTheReasonWhenSparkAssignedAGpuTheBuildCannotUse() throws IOException {
            Path images = Files.createDirectories(dir.resolve("images-auto"));
            TestImages.write(images, "img.png", 70, 80, "png", 100);
            Dataset<Row> files = spark.read().format("binaryFile").load(images.toString());
            ResNetTransformer transformer = new ResNetTransformer().setArch("resnet18").setNumClasses(10)
                    .setResizeSize(64).setCropSize(64).setDevice("auto");
            Exception e = assertThrows(Exception.class, () -> transformer.transform(files).select("logits").collectAsList());
            assertTrue(e.getMessage().contains("to this task (device=auto), but the PyTorch engine sees no GPU: this is"
                    + " the CPU build (pytorch-native-cpu); deploy the jar built with -Pcu118"), e.getMessage());
        }

        @Test
        void theTransformerScoresOnTheExecutorsWithDeviceCpu() throws IOException {
            Path images = Files.createDirectories(dir.resolve("images"));
            for (int i = 0; i < 6; i++) {
                TestImages.write(images, "img" + i + ".png", 70 + 10 * i, 80, "png", 100 + i);
            }
            int loadsInDriver = ExecutorModelHost.loadCount();
            Dataset<Row> files = spark.read().format("binaryFile").load(images.toString()).repartition(4);
            ResNetTransformer transformer = new ResNetTransformer()
                    .setArch("resnet18")
                    .setNumClasses(10)
                    .setSeed(11)
                    .setResizeSize(64)
                    .setCropSize(64)
                    .setBatchSize(2)
                    .setDevice("cpu");
            List<Row> rows = onCluster(() -> transformer.transform(files).select("path", "logits", "error").collectAsList());

            assertEquals(6, rows.size());
            Set<List<Float>> distinct = new HashSet<>();
            for (Row row : rows) {
                assertNull(row.getAs("error"), row.getString(0));
                List<Float> logits = row.getList(1);
                assertEquals(10, logits.size(), row.getString(0));
                assertTrue(logits.stream().allMatch(v -> Float.isFinite(v)),
                        row.getString(0) + ": " + logits + "\n" + cluster.diagnostics());
                distinct.add(logits);
            }
            assertEquals(6, distinct.size(), "every image gets its own scores");
            assertEquals(loadsInDriver, ExecutorModelHost.loadCount(), "no model was loaded in the driver");

            // The executors' own account: each loaded the model once, on the CPU, never on a GPU.
            String executorLogs = cluster.executorLogs();
            List<String> loads = executorLogs.lines().filter(line -> line.contains("ExecutorModelHost")
                    && line.contains("loaded")).collect(Collectors.toList());
            assertTrue(!loads.isEmpty() && loads.stream().allMatch(line -> line.contains(" on cpu() ")),
                    "executors log their model loads on cpu():\n" + executorLogs);
            assertTrue(executorLogs.lines().noneMatch(line -> line.contains("ExecutorModelHost") && line.contains("gpu(")),
                    executorLogs);
        }
    }

    /** What one task saw: where it ran, what Spark assigned it, and where the model would go. */
    static final class Placement implements Serializable {
        private static final long serialVersionUID = 1L;
        final int partition;
        final String executorId;
        final long pid;
        final String assigned;
        final String cudaVisibleDevices;
        final String withTwoVisibleGpus;
        final int engineGpus;
        final String withEngineGpus;
        final long startMillis;
        final long endMillis;

        Placement(int partition, String executorId, long pid, String assigned, String cudaVisibleDevices,
                String withTwoVisibleGpus, int engineGpus,
                String withEngineGpus, long startMillis, long endMillis) {
            this.partition = partition;
            this.executorId = executorId;
            this.pid = pid;
            this.assigned = assigned;
            this.cudaVisibleDevices = cudaVisibleDevices;
            this.withTwoVisibleGpus = withTwoVisibleGpus;
            this.engineGpus = engineGpus;
            this.withEngineGpus = withEngineGpus;
            this.startMillis = startMillis;
            this.endMillis = endMillis;
        }

        @Override
        public String toString() {
            return "partition " + partition + ": executor " + executorId + " (pid " + pid + ") assigned gpu "
                    + assigned + ", CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices + " -> auto with 2 GPUs: " + withTwoVisibleGpus + ", auto with the engine's " + engineGpus
                    + ": " + withEngineGpus + " [" + startMillis + ".." + endMillis + "]";
        }
    }

    /** Runs in an executor: resolves the device exactly as {@link ExecutorModelHost} does. */
    static final class Probe implements Function<Integer, Placement> {
        private static final long serialVersionUID = 1L;

        @Override
        public Placement call(Integer partition) throws Exception {
            Optional<String> assigned = DevicePlacement.assignedGpu(TaskContext.get());
            String withTwoVisibleGpus = describe(DeviceChoice.AUTO, assigned, 2);
            Engine engine = PyTorchRuntime.engine();
            int engineGpus = engine.hasCapability(StandardCapabilities.CUDA) ? engine.getGpuCount() : 0;
            String withEngineGpus = describe(DeviceChoice.AUTO, assigned, engineGpus);
            long start = System.currentTimeMillis();
            Thread.sleep(1000); // long enough for the two task slots of an executor to overlap
            return new Placement(partition, SparkEnv.get().executorId(), ProcessHandle.current().pid(),
                    assigned.orElse(null), System.getenv(DevicePlacement.CUDA_VISIBLE_DEVICES), withTwoVisibleGpus, engineGpus, withEngineGpus, start, System.currentTimeMillis());
        }

        private static String describe(DeviceChoice choice, Optional<String> assigned, int visibleGpus) {
            try {
                return DevicePlacement.resolve(choice, assigned, visibleGpus).toString();
            } catch (IllegalStateException e) {
                return "error: " + e.getMessage();
            }
        }
    }

    private static boolean twoTasksSharedAGpuAtOnce(List<Placement> placements) {
        Map<String, List<Placement>> byExecutor = new HashMap<>();
        for (Placement p : placements) {
            byExecutor.computeIfAbsent(p.executorId, k -> new ArrayList<>()).add(p);
        }
        for (List<Placement> tasks : byExecutor.values()) {
            for (int i = 0; i < tasks.size(); i++) {
                for (int j = i + 1; j < tasks.size(); j++) {
                    Placement a = tasks.get(i);
                    Placement b = tasks.get(j);
                    if (a.assigned.equals(b.assigned) && a.startMillis < b.endMillis && b.startMillis < a.endMillis) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
