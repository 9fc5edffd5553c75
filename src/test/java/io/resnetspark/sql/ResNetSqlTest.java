package io.resnetspark.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resnetspark.spark.ExecutorModelHost;
import io.resnetspark.spark.ResNetTransformer;
import io.resnetspark.testing.SparkTestSession;
import io.resnetspark.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL functions from SQL text on real local Spark, installed by the one configuration line:
 * the transformer's answers, batching visible in EXPLAIN, filters, joins and GROUP BY over the
 * results, invalid images, one model load, and analysis-time errors.
 */
class ResNetSqlTest {

    private static final int SIZE = 64;
    @TempDir static Path dir;
    private static Path images;
    private static SparkSession spark;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkTestSession.builder("ResNetSqlTest")
                .config("spark.sql.extensions", ResNetSqlExtensions.class.getName())
                .getOrCreate();
        images = Files.createDirectories(dir.resolve("images"));
        TestImages.write(images, "a.png", 90, 70, "png", 1);
        TestImages.write(images, "b.jpg", 80, 120, "jpg", 2);
        TestImages.write(images, "c.png", 64, 64, "png", 3);
        TestImages.write(images, "d.png", 200, 100, "png", 4);
        Files.writeString(images.resolve("notes.png"), "this is text, not a picture");
        TestImages.truncated(TestImages.write(dir, "whole.jpg", 120, 90, "jpg", 5), images.resolve("cut.jpg"), 300);
        spark.read().format("binaryFile").load(images.toString()).createOrReplaceTempView("images");
    }

    @AfterAll
    static void tearDown() {
        SparkTestSession.stop(spark);
    }

    @BeforeEach
    void smallModel() {
        SparkTestSession.useSmallModel(spark, 7, SIZE);
    }

    private static Map<String, Row> byName(List<Row> rows) {
        Map<String, Row> out = new HashMap<>();
        for (Row row : rows) {
            String path = row.getAs("path");
            out.put(path.substring(path.lastIndexOf('/') + 1), row);
        }
        return out;
    }

    @Test
    void sqlGivesTheTransformersAnswers() {
        Dataset<Row> sql = spark.sql("SELECT path, resnet_logits(content) AS logits, resnet_topk(content, 5) AS top5,"
                + " resnet_topk(content, 2) AS top2, resnet_embedding(content) AS embedding, resnet_error(content) AS error"
                + " FROM images");
        Map<String, Row> got = byName(sql.collectAsList());
        ResNetTransformer transformer = new ResNetTransformer().setArch("resnet18").setNumClasses(10).setSeed(7)
                .setResizeSize(SIZE).setCropSize(SIZE).setBatchSize(4).setTopKCol("top").setTopK(5)
                .setEmbeddingCol("embedding");
        Map<String, Row> expected = byName(transformer.transform(spark.table("images")).collectAsList());
        assertEquals(6, got.size());
        for (String name : List.of("a.png", "b.jpg", "c.png", "d.png")) {
            Row g = got.get(name);
            Row e = expected.get(name);
            // Equal up to float rounding: batches are formed across tasks, so their sizes differ run to run.
            assertClose(e.getList(e.fieldIndex("logits")), g.getList(g.fieldIndex("logits")), name);
            assertClose(e.getList(e.fieldIndex("embedding")), g.getList(g.fieldIndex("embedding")), name);
            List<Row> expectedTop = e.getList(e.fieldIndex("top"));
            List<Row> top5 = g.getList(g.fieldIndex("top5"));
            List<Row> top2 = g.getList(g.fieldIndex("top2"));
            assertEquals(5, top5.size());
            assertEquals(2, top2.size());
            for (int i = 0; i < 5; i++) {
                assertEquals(expectedTop.get(i).getInt(0), top5.get(i).getInt(0), name + " top " + i);
                assertEquals(expectedTop.get(i).getFloat(2), top5.get(i).getFloat(2), 1e-5, name + " top " + i);
                if (i < 2) {
                    assertEquals(top5.get(i), top2.get(i));
                }
            }
            assertNull(g.getAs("error"));
        }
        for (String bad : List.of("notes.png", "cut.jpg")) {
            Row g = got.get(bad);
            assertNull(g.getAs("logits"), bad);
            assertNull(g.getAs("top5"), bad);
            assertEquals(expected.get(bad).<String>getAs("error"), g.<String>getAs("error"));
            assertNotNull(g.getAs("error"));
        }
    }

    private static void assertClose(List<Float> expected, List<Float> actual, String name) {
        assertEquals(expected.size(), actual.size(), name);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), 1e-4, name + " [" + i + "]");
        }
    }

    @Test
    void explainShowsOneBatchedScoringNode() {
        String plan = spark.sql("EXPLAIN SELECT path, resnet_topk(content, 5), resnet_logits(content) FROM images")
                .first().getString(0);
        assertTrue(plan.contains("ResNetScoring "), plan);
        assertEquals(1, plan.split("ResNetScoring ", -1).length - 1, "one pass for both calls:\n" + plan);
        assertTrue(plan.contains("batchSize=4"), plan);
    }

    @Test
    void filtersJoinsAndGroupByOverResults() {
        List<Row> best = spark.sql("SELECT path, resnet_topk(content, 1)[0].index AS best FROM images"
                + " WHERE resnet_error(content) IS NULL").collectAsList();
        assertEquals(4, best.size());
        int someClass = best.get(0).getInt(1);
        long expectedCount = best.stream().filter(r -> r.getInt(1) == someClass).count();

        List<Row> filtered = spark.sql("SELECT path FROM images WHERE resnet_topk(content, 3)[0].index = " + someClass)
                .collectAsList();
        assertEquals(expectedCount, filtered.size());

        List<Row> grouped = spark.sql("SELECT resnet_topk(content, 1)[0].index AS best, count(*) AS n FROM images"
                + " GROUP BY resnet_topk(content, 1)[0].index").collectAsList();
        Map<Integer, Long> counts = new HashMap<>();
        for (Row row : grouped) {
            counts.put(row.isNullAt(0) ? null : row.getInt(0), row.getLong(1));
        }
        assertEquals(2L, counts.get(null), "the two invalid images");
        assertEquals(expectedCount, counts.get(someClass));

        spark.sql("SELECT path AS p, resnet_embedding(content) AS e FROM images").createOrReplaceTempView("embeddings");
        List<Row> joined = spark.sql("SELECT s.path, e.e FROM (SELECT path, resnet_topk(content, 1) AS t FROM images) s"
                + " JOIN embeddings e ON s.path = e.p WHERE s.t IS NOT NULL").collectAsList();
        assertEquals(4, joined.size());
        for (Row row : joined) {
            assertEquals(512, row.getList(1).size());
        }
    }

    @Test
    void oneModelLoadAcrossPartitions() {
        spark.sql("SET spark.resnet.seed=991");
        int before = ExecutorModelHost.loadCount();
        spark.table("images").repartition(8).createOrReplaceTempView("images8");
        assertEquals(6, spark.sql("SELECT resnet_logits(content) FROM images8").collectAsList().size());
        assertEquals(4, spark.sql("SELECT path FROM images8 WHERE resnet_logits(content) IS NOT NULL").count());
        assertEquals(before + 1, ExecutorModelHost.loadCount(), "one load for 8 partitions and two queries");
    }

    private static String analysisError(String sql) {
        AnalysisException e = assertThrows(AnalysisException.class, () -> spark.sql(sql));
        return e.getMessage();
    }

    @Test
    void malformedCallsFailAtAnalysis() {
        String zero = analysisError("SELECT resnet_topk(content, 0) FROM images");
        assertTrue(zero.contains("resnet_topk") && zero.contains("argument 2 (k)") && zero.contains("> 0"), zero);
        String number = analysisError("SELECT resnet_logits(42) FROM images");
        assertTrue(number.contains("resnet_logits") && number.contains("argument 1 (image)") && number.contains("int"), number);
        String column = analysisError("SELECT resnet_topk(content, CAST(length AS INT)) FROM images");
        assertTrue(column.contains("resnet_topk") && column.contains("argument 2 (k)") && column.contains("constant"), column);
        String path = analysisError("SELECT resnet_embedding(path) FROM images");
        assertTrue(path.contains("resnet_embedding") && path.contains("argument 1 (image)"), path);
        String arity = analysisError("SELECT resnet_logits(content, 3) FROM images");
        assertTrue(arity.contains("resnet_logits") && arity.contains("one argument"), arity);
        spark.sql("SET spark.resnet.arch=resnet19");
        String arch = analysisError("SELECT resnet_logits(content) FROM images");
        assertTrue(arch.contains("resnet_logits") && arch.contains("spark.resnet.arch") && arch.contains("resnet19"), arch);
    }

    @Test
    void imageStructsAndTwoImagesInOneQuery() {
        spark.read().format("image").load(images.toString()).createOrReplaceTempView("pictures");
        Map<String, Row> sql = new HashMap<>();
        for (Row row : spark.sql("SELECT image.origin AS path, resnet_logits(image) AS logits FROM pictures"
                + " WHERE image.height > 0").collectAsList()) {
            sql.put(row.<String>getAs("path").substring(row.<String>getAs("path").lastIndexOf('/') + 1), row);
        }
        ResNetTransformer transformer = new ResNetTransformer().setInputCol("image").setArch("resnet18")
                .setNumClasses(10).setSeed(7).setResizeSize(SIZE).setCropSize(SIZE).setBatchSize(4);
        int compared = 0;
        for (Row e : transformer.transform(spark.table("pictures").where("image.height > 0")).collectAsList()) {
            String origin = e.getStruct(e.fieldIndex("image")).getString(0);
            Row g = sql.get(origin.substring(origin.lastIndexOf('/') + 1));
            assertClose(e.getList(e.fieldIndex("logits")), g.getList(g.fieldIndex("logits")), origin);
            compared++;
        }
        assertEquals(4, compared);

        String join = "SELECT a.path, resnet_logits(a.content) AS x, resnet_logits(b.content) AS y"
                + " FROM images a JOIN images b ON a.path = b.path";
        String plan = spark.sql("EXPLAIN " + join).first().getString(0);
        assertEquals(2, plan.split("ResNetScoring ", -1).length - 1, "one pass per image column:\n" + plan);
        for (Row row : spark.sql(join).collectAsList()) {
            if (!row.isNullAt(1)) {
                assertClose(row.getList(1), row.getList(2), row.getString(0));
            } else {
                assertTrue(row.isNullAt(2));
            }
        }
    }

    @Test
    void theFailureBudgetFailsTheQuery() {
        spark.sql("SET spark.resnet.maxInvalidFraction=0.1");
        SparkException e = assertThrows(SparkException.class,
                () -> spark.sql("SELECT resnet_logits(content) FROM images").collectAsList());
        String messages = e.toString() + (e.getCause() == null ? "" : e.getCause().toString());
        assertTrue(messages.contains("maxInvalidFraction"), messages);
    }

    @Test
    void cteOrderByAggregatesSubqueriesAndViews() {
        long good = spark.sql("WITH t AS (SELECT path, resnet_topk(content, 5) AS top FROM images)"
                + " SELECT * FROM t WHERE top IS NOT NULL").count();
        assertEquals(4, good);
        List<Row> ordered = spark.sql("SELECT path FROM images WHERE resnet_error(content) IS NULL"
                + " ORDER BY resnet_topk(content, 1)[0].score DESC, path").collectAsList();
        assertEquals(4, ordered.size());
        Row stats = spark.sql("SELECT count(resnet_logits(content)) AS scored, count(resnet_error(content)) AS failed,"
                + " max(size(resnet_embedding(content))) AS width FROM images").first();
        assertEquals(4L, stats.getLong(0));
        assertEquals(2L, stats.getLong(1));
        assertEquals(512, stats.getInt(2));
        long inSubquery = spark.sql("SELECT path FROM images WHERE path IN"
                + " (SELECT path FROM images WHERE resnet_logits(content) IS NOT NULL)").count();
        assertEquals(4, inSubquery);
        spark.sql("CREATE OR REPLACE TEMPORARY VIEW scored AS SELECT path, resnet_topk(content, 2) AS top FROM images");
        assertEquals(4, spark.sql("SELECT * FROM scored WHERE top[1].score <= top[0].score").count());
    }

    @Test
    void callsInAJoinConditionScoreEachSide() {
        List<Row> rows = spark.sql("SELECT a.path FROM images a JOIN images b"
                + " ON resnet_topk(a.content, 1)[0].index = resnet_topk(b.content, 1)[0].index AND a.path = b.path")
                .collectAsList();
        assertEquals(4, rows.size());
        String mixed = analysisError("SELECT a.path FROM images a JOIN images b"
                + " ON resnet_error(concat(a.content, b.content)) IS NULL");
        assertTrue(mixed.contains("resnet_error") && mixed.contains("argument 1 (image)"), mixed);
    }

    @Test
    void labelsFromTheSessionNameTheClasses() throws Exception {
        List<String> names = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");
        Path labels = Files.write(dir.resolve("labels.txt"), names);
        spark.sql("SET spark.resnet.labels=" + labels.toUri());
        for (Row row : spark.sql("SELECT resnet_topk(content, 3) AS top FROM images WHERE resnet_error(content) IS NULL")
                .collectAsList()) {
            for (Row entry : row.<Row>getList(0)) {
                assertEquals(names.get(entry.getInt(0)), entry.getString(1));
            }
        }
    }
}
