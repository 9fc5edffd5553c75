package io.resnetspark.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.sql.SparkSession;

/**
 * A real Spark standalone cluster on this machine, for tests that need what {@code local[N]}
 * does not do: executors in JVMs of their own, and resource scheduling (GPUs). In {@code local[N]}
 * Spark assigns no task resources at all, so a job asking for {@code spark.task.resource.gpu.amount}
 * waits forever.
 *
 * <p>What it starts, all bound to 127.0.0.1 and all from the test classpath (the Spark jars Maven
 * resolved; no Spark distribution is needed):
 *
 * <ul>
 *   <li>one {@code org.apache.spark.deploy.master.Master} JVM;
 *   <li>{@code workers} {@code org.apache.spark.deploy.worker.Worker} JVMs, each optionally with fake
 *       GPUs: {@code spark.worker.resource.gpu.amount} and {@code discoveryScript} pointing at
 *       {@code fake-gpu-discovery.sh} (a test resource), which reports the addresses given to that
 *       worker through {@value #FAKE_GPU_ENV};
 *   <li>the executors, which the workers launch once an application connects, one JVM each.
 * </ul>
 *
 * <p>Why not Spark's {@code local-cluster[N,C,M]} master: its Master and Workers run inside the test
 * JVM, and a Worker takes its SPARK_HOME from the test JVM's environment (or, with
 * {@code spark.testing} set, from the {@code spark.test.home} system property), falling back to the
 * working directory, i.e. the project, where it would also write the executors' work directories
 * ({@code SPARK_HOME/work}). Separate daemon JVMs get an environment of their own, so nothing of the
 * test JVM (its environment, system properties, the pom) has to change.
 *
 * <p>How the executors get a working command line. A worker builds an executor's command with
 * Spark's {@code WorkerCommandBuilder}, which needs {@code SPARK_HOME} to hold a {@code jars}
 * directory and needs to know the Scala version (from {@code SPARK_SCALA_VERSION}, else from a
 * Spark source build's directories). The cluster therefore runs the workers with {@code SPARK_HOME}
 * set to a fake home under the base directory holding an empty {@code jars} directory, and with
 * {@code SPARK_SCALA_VERSION} of the line under test; the whole classpath reaches the executors through
 * {@code spark.executor.extraClassPath} (see {@link #sessionBuilder}). Spark's Java 17
 * {@code --add-opens} options need nothing here: {@code SparkContext} prepends them to
 * {@code spark.executor.extraJavaOptions} itself (the Master and Worker JVMs get them from
 * {@link JavaModuleOptions}, as {@code spark-class} would add them). None of this touches the test
 * JVM's environment: {@code SPARK_HOME} and friends are set for the child processes only.
 *
 * <p>Everything lives under the base directory: {@code spark-home/}, {@code logs/master.log},
 * {@code logs/worker-N.log}, and {@code work/worker-N/<app>/<executor>/stderr} for each executor
 * (see {@link #executorLogs()}). {@link #close()} ends the workers (which end their executors)
 * and the master, by process handle.
 *
 * <pre>{@code
 * try (LocalClusterSpark cluster = LocalClusterSpark.builder(dir).workers(1).coresPerWorker(4)
 *         .fakeGpus("2,3").start()) {
 *     SparkSession spark = cluster.sessionBuilder("my-test", 2, "768m")
 *             .config("spark.executor.resource.gpu.amount", "1")
 *             .config("spark.task.resource.gpu.amount", "0.5")
 *             .getOrCreate();
 *     cluster.awaitExecutors(spark, 2, Duration.ofSeconds(90));
 *     ...
 *     LocalClusterSpark.stopSession(spark);
 * }
 * }</pre>
 *
 * <p>Sized for small machines: each Master/Worker JVM gets a 256 MB heap; executors get what the
 * session asks for ({@code spark.executor.memory}).
 */
public final class LocalClusterSpark implements AutoCloseable {

    /** Test resource: a GPU discovery script reporting the addresses in {@value #FAKE_GPU_ENV}. */
    public static final String FAKE_GPU_SCRIPT_RESOURCE = "fake-gpu-discovery.sh";

    /** Environment variable of a worker: the comma-separated fake GPU addresses it reports. */
    public static final String FAKE_GPU_ENV = "RESNET_FAKE_GPU_ADDRESSES";

    /** The Scala version of the Spark line under test (the build passes it; 2.12 for Spark 3.5). */
    public static final String SCALA_BINARY_VERSION = System.getProperty("resnet.scala.binary.version", "2.12");
    private static final String DAEMON_HEAP = "-Xmx256m";
    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");

    private final Path baseDir;
    private final Path sparkHome;
    private final Path logDir;
    private final Path workDir;
    private final String masterUrl;
    private final int masterWebUiPort;
    private final Process master;
    private final List<Process> workers;

    private LocalClusterSpark(Builder builder) throws IOException {
        this.baseDir = builder.baseDir.toAbsolutePath();
        this.sparkHome = Files.createDirectories(baseDir.resolve("spark-home"));
        Files.createDirectories(sparkHome.resolve("jars"));
        this.logDir = Files.createDirectories(baseDir.resolve("logs"));
        this.workDir = Files.createDirectories(baseDir.resolve("work"));
        Path log4j = writeDaemonLogConfig(sparkHome);
        Path script = builder.anyGpus() ? installFakeGpuScript(baseDir) : null;

        int masterPort = freePort();
        this.masterWebUiPort = freePort();
        this.masterUrl = "spark://127.0.0.1:" + masterPort;
        this.workers = new ArrayList<>();
        this.master = launch("master", log4j, List.of(),
                List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                        "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(masterWebUiPort)),
                Map.of());
        boolean started = false;
        try {
            long deadline = System.nanoTime() + builder.startTimeout.toNanos();
            awaitAliveWorkers(0, deadline);
            for (int i = 0; i < builder.workers; i++) {
                List<String> props = new ArrayList<>();
                String gpus = builder.gpusOf(i);
                if (!gpus.isEmpty()) {
                    int amount = gpus.split(",").length;
                    props.add("-Dspark.worker.resource.gpu.amount=" + amount);
                    props.add("-Dspark.worker.resource.gpu.discoveryScript=" + script);
                }
                Path workerDir = Files.createDirectories(workDir.resolve("worker-" + i));
                workers.add(launch("worker-" + i, log4j, props,
                        List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port", "0",
                                "--webui-port", "0", "--cores", Integer.toString(builder.coresPerWorker),
                                "--memory", builder.memoryPerWorkerMb + "m", "--work-dir", workerDir.toString(), masterUrl),
                        gpus.isEmpty() ? Map.of() : Map.of(FAKE_GPU_ENV, gpus)));
            }
            awaitAliveWorkers(builder.workers, deadline);
            started = true;
        } finally {
            if (!started) {
                close();
            }
        }
    }

    /** A cluster whose files (fake SPARK_HOME, logs, executor work directories) go under {@code baseDir}. */
    public static Builder builder(Path baseDir) {
        return new Builder(baseDir);
    }

    /** Sizes and fake GPUs of a cluster. */
    public static final class Builder {
        private final Path baseDir;
        private int workers = 1;
        private int coresPerWorker = 2;
        private int memoryPerWorkerMb = 1024;
        private List<String> fakeGpus = List.of();
        // Generous: on a loaded 2-core machine (a jar build beside it) daemon JVMs take a while to start.
        private Duration startTimeout = Duration.ofMinutes(3);

        private Builder(Path baseDir) {
            this.baseDir = baseDir;
        }

        /** Number of worker JVMs (default 1). */
        public Builder workers(int count) {
            this.workers = count;
            return this;
        }

        /** Cores each worker offers (default 2); may exceed the machine's, it only drives scheduling. */
        public Builder coresPerWorker(int cores) {
            this.coresPerWorker = cores;
            return this;
        }

        /** Memory each worker offers to executors, in MB (default 1024). */
        public Builder memoryPerWorkerMb(int mb) {
            this.memoryPerWorkerMb = mb;
            return this;
        }

        /**
         * Fake GPUs per worker: entry i is worker i's comma-separated addresses (such as {@code "2,3"});
         * a worker beyond the list reuses the last entry; an empty entry means no GPUs.
         */
        public Builder fakeGpus(String... addressesPerWorker) {
            this.fakeGpus = List.of(addressesPerWorker);
            return this;
        }

        /** How long the master and the workers may take to come up (default 60 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        private boolean anyGpus() {
            return fakeGpus.stream().anyMatch(g -> !g.isBlank());
        }

        private String gpusOf(int worker) {
            if (fakeGpus.isEmpty()) {
                return "";
            }
            return fakeGpus.get(Math.min(worker, fakeGpus.size() - 1)).replace(" ", "");
        }

        /** Starts the master and the workers and waits until every worker has registered. */
        public LocalClusterSpark start() throws IOException {
            return new LocalClusterSpark(this);
        }
    }

    /** The master's URL, {@code spark://127.0.0.1:<port>}. */
    public String masterUrl() {
        return masterUrl;
    }

    /** The fake SPARK_HOME the workers run with (an empty {@code jars} directory and {@code conf}). */
    public Path sparkHome() {
        return sparkHome;
    }

    /** The base directory everything of this cluster lives under. */
    public Path baseDir() {
        return baseDir;
    }

    /**
     * A session builder for this cluster: the master URL, loopback driver, no UI, the test classpath
     * and offline DJL for the executors, and executors of {@code executorCores} cores and
     * {@code executorMemory} each; unless {@code spark.cores.max} is set, the application takes every
     * worker core. Add the application's own settings (such as GPU amounts), then
     * {@code getOrCreate()}, and check with {@link #awaitExecutors}.
     */
    public SparkSession.Builder sessionBuilder(String appName, int executorCores, String executorMemory) {
        return SparkSession.builder()
                .master(masterUrl)
                .appName(appName)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.cores", Integer.toString(executorCores))
                .config("spark.executor.memory", executorMemory)
                .config("spark.executor.extraClassPath", testClasspath())
                // SparkContext puts Spark's Java 17 module options in front of these.
                .config("spark.executor.extraJavaOptions", "-Dai.djl.offline=true")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.default.parallelism", "4");
    }

    /**
     * Waits until {@code count} executors have registered with the session's driver.
     *
     * @throws IllegalStateException with the cluster's logs when they do not in time
     */
    public void awaitExecutors(SparkSession spark, int count, Duration timeout) {
        if (!masterUrl.equals(spark.sparkContext().master())) {
            throw new IllegalStateException("the session runs on " + spark.sparkContext().master()
                    + ", not on this cluster (" + masterUrl + "): another session was still active");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            // The driver counts itself among the executors.
            int executors = spark.sparkContext().statusTracker().getExecutorInfos().length - 1;
            if (executors >= count) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(executors + " of " + count + " executors registered within "
                        + timeout.toSeconds() + " s\n" + diagnostics());
            }
            sleep(200);
        }
    }

    /** The standard error of every executor the workers launched so far, each headed by its path. */
    public String executorLogs() {
        StringBuilder all = new StringBuilder();
        try {
            for (Path stderr : executorLogFiles()) {
                all.append("==> ").append(workDir.relativize(stderr)).append('\n')
                        .append(Files.readString(stderr, StandardCharsets.UTF_8)).append('\n');
            }
        } catch (IOException e) {
            all.append("(cannot read executor logs: ").append(e).append(")\n");
        }
        return all.toString();
    }

    /**
     * The standard error file of every executor the workers launched so far, sorted:
     * {@code work/worker-N/<app id>/<executor id>/stderr} under the base directory.
     */
    public List<Path> executorLogFiles() throws IOException {
        try (Stream<Path> files = Files.walk(workDir)) {
            return files.filter(p -> p.getFileName().toString().equals("stderr")).sorted().collect(Collectors.toList());
        }
    }

    /**
     * The executor JVMs ({@code CoarseGrainedExecutorBackend}) the workers of this cluster launched
     * and that are still running, for tests that kill one. Only this cluster's: descendants of its
     * worker processes.
     */
    public List<ProcessHandle> executorProcesses() {
        return workers.stream()
                .flatMap(Process::descendants)
                .filter(ProcessHandle::isAlive)
                .filter(p -> commandLine(p).contains("org.apache.spark.executor.CoarseGrainedExecutorBackend"))
                .collect(Collectors.toList());
    }

    /**
     * A process's command line as its arguments, the executable first; empty when it cannot be read.
     * On Linux from {@code /proc/<pid>/cmdline}: {@link ProcessHandle.Info} truncates a long command
     * line (an executor's, with its classpath) to 4096 characters and then gives no arguments.
     */
    public static List<String> commandLine(ProcessHandle process) {
        Path proc = Path.of("/proc", Long.toString(process.pid()), "cmdline");
        try {
            if (Files.isReadable(proc)) {
                String raw = new String(Files.readAllBytes(proc), StandardCharsets.UTF_8);
                return raw.isEmpty() ? List.of() : Arrays.asList(raw.split("\0"));
            }
        } catch (IOException e) {
            return List.of(); // the process is gone
        }
        ProcessHandle.Info info = process.info();
        if (info.command().isPresent() && info.arguments().isPresent()) {
            List<String> all = new ArrayList<>();
            all.add(info.command().get());
            all.addAll(Arrays.asList(info.arguments().get()));
            return all;
        }
        return info.commandLine().map(c -> Arrays.asList(c.split(" "))).orElse(List.of());
    }

    /** The master's state as JSON, the tail of each daemon's log and of each executor's stderr. */
    public String diagnostics() {
        StringBuilder all = new StringBuilder();
        try {
            all.append("master state: ").append(masterJson()).append('\n');
        } catch (IOException e) {
            all.append("master state: unavailable (").append(e.getMessage()).append(")\n");
        }
        try (Stream<Path> logs = Files.list(logDir)) {
            for (Path log : logs.sorted().collect(Collectors.toList())) {
                all.append("==> ").append(log.getFileName()).append('\n').append(tail(Files.readString(log), 4000));
            }
        } catch (IOException e) {
            all.append("(cannot read daemon logs: ").append(e).append(")\n");
        }
        all.append(tail(executorLogs(), 8000));
        return all.toString();
    }

    /** Stops a session started from {@link #sessionBuilder} and clears Spark's active and default sessions. */
    public static void stopSession(SparkSession spark) {
        if (spark != null) {
            spark.stop();
        }
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    /**
     * Ends the workers (and any executor they left behind) and then the master: politely first, by
     * force after 15 s. Stop the sessions first, so their executors are already gone.
     */
    @Override
    public void close() {
        for (Process worker : workers) {
            end(worker);
        }
        if (master != null) {
            end(master);
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------

    /**
     * The classpath of this test JVM (target/test-classes, target/classes and every dependency jar,
     * Spark's included), for the daemons and the executors.
     */
    public static String testClasspath() {
        // Surefire puts the test classpath in java.class.path (and in surefire.test.class.path when it
        // boots through a manifest-only jar).
        String surefire = System.getProperty("surefire.test.class.path");
        String classpath = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        return Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .distinct()
                .collect(Collectors.joining(File.pathSeparator));
    }

    private Process launch(String name, Path log4j, List<String> systemProperties, List<String> mainAndArgs,
            Map<String, String> extraEnv) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(DAEMON_HEAP);
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptions().split("\\s+")));
        command.add("-Dlog4j.configurationFile=" + log4j.toUri());
        command.addAll(systemProperties);
        command.add("-cp");
        command.add(testClasspath());
        command.addAll(mainAndArgs);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(baseDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(logDir.resolve(name + ".log").toFile());
        Map<String, String> env = builder.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        env.put("SPARK_SCALA_VERSION", SCALA_BINARY_VERSION);
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.remove("SPARK_TESTING");
        env.putAll(extraEnv);
        return builder.start();
    }

    private void awaitAliveWorkers(int count, long deadline) {
        String last = "";
        while (true) {
            if (!master.isAlive()) {
                throw new IllegalStateException("the Spark master exited with " + master.exitValue() + "\n" + diagnostics());
            }
            for (int i = 0; i < workers.size(); i++) {
                if (!workers.get(i).isAlive()) {
                    throw new IllegalStateException("Spark worker " + i + " exited with " + workers.get(i).exitValue()
                            + "\n" + diagnostics());
                }
            }
            try {
                last = masterJson();
                Matcher alive = ALIVE_WORKERS.matcher(last);
                if (alive.find() && Integer.parseInt(alive.group(1)) >= count) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString(); // the master is not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the Spark cluster did not come up with " + count + " worker(s) in time;"
                        + " last answer: " + last + "\n" + diagnostics());
            }
            sleep(200);
        }
    }

    /** The master's state, from its web UI's JSON view (workers, their resources, applications). */
    public String masterJson() throws IOException {
        HttpURLConnection connection =
                (HttpURLConnection) URI.create("http://127.0.0.1:" + masterWebUiPort + "/json/").toURL().openConnection();
        connection.setConnectTimeout(1000);
        connection.setReadTimeout(5000);
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            connection.disconnect();
        }
    }

    private static void end(Process process) {
        List<ProcessHandle> children = process.descendants().collect(Collectors.toList());
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }

    /** Copies the fake discovery script out of the test resources and makes it executable. */
    private static Path installFakeGpuScript(Path dir) throws IOException {
        Path script = dir.resolve(FAKE_GPU_SCRIPT_RESOURCE);
        try (InputStream in = LocalClusterSpark.class.getClassLoader().getResourceAsStream(FAKE_GPU_SCRIPT_RESOURCE)) {
            if (in == null) {
                throw new IOException("test resource " + FAKE_GPU_SCRIPT_RESOURCE + " is not on the classpath");
            }
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        // Resource copying does not keep the executable bit; Spark runs the script directly.
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** Master and worker logging: Spark's deploy messages at INFO, the rest at WARN. */
    private static Path writeDaemonLogConfig(Path home) throws IOException {
        Path conf = Files.createDirectories(home.resolve("conf"));
        Path file = conf.resolve("log4j2-daemons.properties");
        Files.writeString(file, String.join("\n",
                "rootLogger.level = warn",
                "rootLogger.appenderRef.console.ref = console",
                "appender.console.type = Console",
                "appender.console.name = console",
                "appender.console.target = SYSTEM_OUT",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1}: %m%n",
                "logger.deploy.name = org.apache.spark.deploy",
                "logger.deploy.level = info",
                "logger.resource.name = org.apache.spark.resource",
                "logger.resource.level = info",
                ""));
        return file;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static String tail(String text, int chars) {
        return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Spark cluster", e);
        }
    }
}
