package io.resnetspark.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetModel;
import io.resnetspark.model.ResNetSpec;
import io.resnetspark.spark.ResNetTransformer;
import io.resnetspark.testing.SparkTestSession;
import io.resnetspark.testing.TestImages;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL functions through the SQL clients platform teams use, each a separate process started
 * by the project's launcher: Spark's Thrift server (jobs/sql-server) queried over JDBC with Hive's
 * driver, and Spark's spark-sql shell (jobs/spark-sql) running a file. Both must give the
 * transformer's answers for weights given by {@code SET spark.resnet.weights}.
 */
class SqlClientsTest {

    private static final Path PROJECT = Path.of(System.getProperty("user.dir"));
    private static final int SIZE = 64;

    @TempDir static Path dir;
    private static Path images;
    private static Path weights;
    /** The transformer's top-5 (index, score) per file name, the reference for both clients. */
    private static Map<String, List<float[]>> expected;

    /**
     * Spark's Thrift server and SQL shell exist for Scala 2.12 only on Maven Central, so the Spark 4
     * line cannot have them: the tests are skipped there, saying so, and must run on Spark 3.5.
     */
    static void requireThriftServerOrSkip() {
        String line = System.getProperty("resnet.spark.line", "3.5");
        try {
            Class.forName("org.apache.spark.sql.hive.thriftserver.HiveThriftServer2");
        } catch (ClassNotFoundException e) {
            assertTrue(!line.startsWith("3."), "on Spark " + line + " the Thrift server must be on the test classpath");
            String reason = "skipped on Spark " + line + ": Maven Central serves spark-hive-thriftserver for Scala 2.12"
                    + " only, so jobs/sql-server and jobs/spark-sql exist on the Spark 3.5 line only";
            System.out.println("SqlClientsTest: " + reason);
            Assumptions.assumeTrue(false, reason);
        }
    }

    @BeforeAll
    static void prepare() throws Exception {
        requireThriftServerOrSkip();
        images = Files.createDirectories(dir.resolve("images"));
        TestImages.write(images, "one.png", 90, 70, "png", 1);
        TestImages.write(images, "two.jpg", 80, 120, "jpg", 2);
        TestImages.write(images, "three.png", 64, 64, "png", 3);
        Files.writeString(images.resolve("four.png"), "not a picture");
        weights = dir.resolve("weights.safetensors");
        try (ResNetModel model = ResNetModel.seeded(new ResNetSpec(ResNetArchitecture.RESNET18, 10, 3), 21, Device.cpu())) {
            model.save(weights);
        }
        SparkSession spark = SparkTestSession.builder("SqlClientsTest").getOrCreate();
        try {
            expected = new HashMap<>();
            ResNetTransformer transformer = new ResNetTransformer().setArch("resnet18").setNumClasses(10)
                    .setWeights(weights.toString()).setResizeSize(SIZE).setCropSize(SIZE).setTopKCol("top");
            for (Row row : transformer.transform(spark.read().format("binaryFile").load(images.toString())).collectAsList()) {
                String path = row.getAs("path");
                List<float[]> top = null;
                if (!row.isNullAt(row.fieldIndex("top"))) {
                    top = new ArrayList<>();
                    for (Row entry : row.<Row>getList(row.fieldIndex("top"))) {
                        top.add(new float[] {entry.getInt(0), entry.getFloat(2)});
                    }
                }
                expected.put(path.substring(path.lastIndexOf('/') + 1), top);
            }
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }

    private static List<String> setup() {
        return List.of("SET spark.resnet.weights=" + weights.toUri(), "SET spark.resnet.arch=resnet18",
                "SET spark.resnet.numClasses=10", "SET spark.resnet.resizeSize=" + SIZE,
                "SET spark.resnet.cropSize=" + SIZE, "SET spark.resnet.batchSize=4",
                "CREATE TEMPORARY VIEW imgs USING binaryFile OPTIONS (path '" + images + "')");
    }

    private static final String QUERY = "SELECT substring_index(path, '/', -1) AS name, resnet_topk(content, 5) AS top FROM imgs";

    /** Checks one client's answers: name to the top-5 as JSON (null for the invalid image). */
    private static void assertTransformersAnswers(Map<String, String> answers) {
        assertEquals(expected.keySet(), answers.keySet());
        for (Map.Entry<String, String> answer : answers.entrySet()) {
            List<float[]> reference = expected.get(answer.getKey());
            if (reference == null) {
                assertTrue(answer.getValue() == null || answer.getValue().equals("NULL"), answer.toString());
                continue;
            }
            JsonArray top = JsonParser.parseString(answer.getValue()).getAsJsonArray();
            assertEquals(5, top.size(), answer.toString());
            for (int i = 0; i < 5; i++) {
                JsonElement entry = top.get(i);
                assertEquals((int) reference.get(i)[0], entry.getAsJsonObject().get("index").getAsInt(), answer.getKey());
                assertEquals(reference.get(i)[1], entry.getAsJsonObject().get("score").getAsFloat(), 1e-5, answer.getKey());
            }
        }
    }

    private static ProcessBuilder launcher(String name, List<String> args, Path log) {
        List<String> command = new ArrayList<>(List.of(PROJECT.resolve("jobs/" + name).toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("RESNET_SPARK_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("RESNET_HIVE_STATE", dir.resolve("hive-" + name).toString());
        builder.environment().put("SPARK_MASTER", "local[2]");
        builder.environment().put("SQL_DRIVER_MEMORY", "2g");
        return builder;
    }

    @Test
    void aJdbcClientOfTheThriftServerGetsTheTransformersAnswers() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path log = dir.resolve("sql-server.log");
        Process server = launcher("sql-server", List.of("--port", Integer.toString(port)), log).start();
        try {
            awaitPort(server, port, log);
            try (Connection connection = DriverManager.getConnection("jdbc:hive2://127.0.0.1:" + port + "/default", "", "");
                    Statement statement = connection.createStatement()) {
                for (String sql : setup()) {
                    statement.execute(sql);
                }
                Map<String, String> answers = new HashMap<>();
                try (ResultSet rows = statement.executeQuery(QUERY)) {
                    while (rows.next()) {
                        answers.put(rows.getString(1), rows.getString(2));
                    }
                }
                assertTransformersAnswers(answers);
                StringBuilder plan = new StringBuilder();
                try (ResultSet rows = statement.executeQuery("EXPLAIN " + QUERY)) {
                    while (rows.next()) {
                        plan.append(rows.getString(1));
                    }
                }
                assertTrue(plan.toString().contains("ResNetScoring"), plan.toString());
            }
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private static void awaitPort(Process server, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                fail("jobs/sql-server exited with " + server.exitValue() + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(500);
            }
        }
        fail("jobs/sql-server did not listen on port " + port + " within 3 minutes:\n" + Files.readString(log, StandardCharsets.UTF_8));
    }

    @Test
    void theSparkSqlShellRunsAFile() throws Exception {
        Path script = dir.resolve("score.sql");
        List<String> statements = new ArrayList<>(setup());
        statements.add(QUERY);
        Files.writeString(script, String.join(";\n", statements) + ";\n");
        Path log = dir.resolve("spark-sql.log");
        Path out = dir.resolve("spark-sql.out");
        Process shell = launcher("spark-sql", List.of("-S", "-f", script.toString()), log)
                .redirectErrorStream(false).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        assertTrue(shell.waitFor(5, TimeUnit.MINUTES), "jobs/spark-sql timed out");
        assertEquals(0, shell.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        Map<String, String> answers = new HashMap<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            String[] columns = line.split("\t");
            if (columns.length == 2 && expected.containsKey(columns[0])) {
                answers.put(columns[0], columns[1]);
            }
        }
        assertTransformersAnswers(answers);
    }
}
