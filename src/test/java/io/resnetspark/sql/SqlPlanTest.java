package io.resnetspark.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resnetspark.spark.ResNetTransformer;
import io.resnetspark.spark.plan.ResNetScoringExec;
import io.resnetspark.spark.plan.ScalaInterop;
import io.resnetspark.testing.SparkTestSession;
import io.resnetspark.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.adaptive.QueryStageExec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL functions as the optimizer sees them: views over scores cost only what a query uses,
 * filters on plain columns run before scoring, one pass per image, metrics on the scoring node,
 * and no file is read while a query is analysed or optimised.
 */
class SqlPlanTest {

    private static final int SIZE = 64;
    @TempDir static Path dir;
    private static SparkSession spark;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkTestSession.builder("SqlPlanTest")
                .config("spark.sql.extensions", ResNetSqlExtensions.class.getName())
                .getOrCreate();
        Path images = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 6; i++) {
            TestImages.write(images, "photo_00" + i + ".png", 70 + 10 * i, 60, "png", 10 + i);
        }
        Files.writeString(images.resolve("photo_009.png"), "not a picture");
        spark.read().format("binaryFile").load(images.toString()).createOrReplaceTempView("imgs");
        spark.sql("CREATE OR REPLACE TEMPORARY VIEW scored AS"
                + " SELECT path, resnet_topk(content, 3) AS top, resnet_error(content) AS error FROM imgs");
    }

    @AfterAll
    static void tearDown() {
        SparkTestSession.stop(spark);
    }

    @BeforeEach
    void smallModel() {
        SparkTestSession.useSmallModel(spark, 3, SIZE);
    }

    private static String physicalPlan(Dataset<Row> query) {
        return query.queryExecution().executedPlan().toString();
    }

    /** The scoring nodes of an executed query's final plan (through adaptive execution's stages). */
    private static List<ResNetScoringExec> scoringNodes(SparkPlan plan) {
        List<ResNetScoringExec> found = new ArrayList<>();
        collect(plan, found);
        return found;
    }

    private static void collect(SparkPlan plan, List<ResNetScoringExec> found) {
        if (plan instanceof ResNetScoringExec scoring) {
            found.add(scoring);
        }
        if (plan instanceof AdaptiveSparkPlanExec adaptive) {
            collect(adaptive.executedPlan(), found);
        }
        if (plan instanceof QueryStageExec stage) {
            collect(stage.plan(), found);
        }
        for (SparkPlan child : ScalaInterop.list(plan.children())) {
            collect(child, found);
        }
    }

    @Test
    void aQueryThatUsesNoScoreHasNoScoringOperator() {
        Dataset<Row> paths = spark.sql("SELECT path FROM scored");
        String plan = physicalPlan(paths);
        assertTrue(!plan.contains("ResNetScoring"), plan);
        assertEquals(7, paths.count());
    }

    @Test
    void aFilterOnAPlainColumnRunsBeforeScoring() {
        Dataset<Row> one = spark.sql("SELECT path, top FROM scored WHERE path LIKE '%photo_003%'");
        String plan = physicalPlan(one);
        int scoring = plan.indexOf("ResNetScoring");
        int filter = plan.indexOf("Filter");
        assertTrue(scoring >= 0 && filter > scoring, "the filter must sit below the scoring node:\n" + plan);

        List<Row> rows = one.collectAsList();
        assertEquals(1, rows.size());
        ResNetScoringExec node = scoringNodes(one.queryExecution().executedPlan()).get(0);
        assertEquals(1L, node.metrics().apply("scored").value(), "only the row the filter keeps is scored");

        Row expected = new ResNetTransformer().setArch("resnet18").setNumClasses(10).setSeed(3).setResizeSize(SIZE)
                .setCropSize(SIZE).setTopKCol("top").setTopK(3)
                .transform(spark.table("imgs").where("path LIKE '%photo_003%'")).first();
        List<Row> expectedTop = expected.getList(expected.fieldIndex("top"));
        List<Row> top = rows.get(0).getList(1);
        for (int i = 0; i < 3; i++) {
            assertEquals(expectedTop.get(i).getInt(0), top.get(i).getInt(0));
            assertEquals(expectedTop.get(i).getFloat(2), top.get(i).getFloat(2), 1e-5);
        }
    }

    @Test
    void callsOnOneImageInSeveralOperatorsShareOnePass() {
        Dataset<Row> query = spark.sql("SELECT path, top FROM scored WHERE error IS NULL");
        String plan = physicalPlan(query);
        assertEquals(1, plan.split("ResNetScoring", -1).length - 1, "one scoring pass:\n" + plan);
        assertEquals(6, query.count());
        Dataset<Row> direct = spark.sql("SELECT path, resnet_topk(content, 2) AS t2, resnet_logits(content) AS l"
                + " FROM imgs WHERE resnet_error(content) IS NULL AND length > 0");
        assertEquals(1, physicalPlan(direct).split("ResNetScoring", -1).length - 1, physicalPlan(direct));
        for (Row row : direct.collectAsList()) {
            assertEquals(2, row.getList(1).size());
            assertEquals(10, row.getList(2).size());
        }
    }

    @Test
    void theScoringNodeReportsItsMetrics() {
        spark.sql("SET spark.resnet.seed=31"); // a model of its own, so its batches hold at most 4 images
        Dataset<Row> all = spark.sql("SELECT path, top FROM scored");
        assertEquals(7, all.collectAsList().size());
        List<ResNetScoringExec> nodes = scoringNodes(all.queryExecution().executedPlan());
        assertEquals(1, nodes.size());
        scala.collection.Map<String, org.apache.spark.sql.execution.metric.SQLMetric> metrics = nodes.get(0).metrics();
        assertEquals(6L, metrics.apply("scored").value());
        assertEquals(1L, metrics.apply("invalid").value());
        long batches = metrics.apply("batches").value();
        assertTrue(batches >= 2 && batches <= 6, "6 images in batches of at most 4: " + batches);
        assertTrue(metrics.apply("inferenceTime").value() > 0);
        assertTrue(metrics.apply("decodeTime").value() > 0);
    }

    @Test
    void nothingIsReadWhileAQueryIsAnalysedOrOptimised() {
        Path missing = dir.resolve("no-such-weights.safetensors");
        spark.sql("SET spark.resnet.weights=" + missing.toUri());
        Dataset<Row> query = spark.sql("SELECT path, resnet_logits(content) FROM imgs");
        assertNotNull(query.queryExecution().optimizedPlan());
        assertTrue(physicalPlan(query).contains("ResNetScoring"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, query::collectAsList);
        assertTrue(e.getMessage().contains("no-such-weights.safetensors"), e.getMessage());
    }

    @Test
    void callsOverAggregatesAndCorrelatedSubqueries() {
        Row error = spark.sql("SELECT resnet_error(min(content)) AS e FROM imgs WHERE path LIKE '%009%'").first();
        assertTrue(error.getString(0).startsWith("not_an_image"), error.getString(0));
        long exists = spark.sql("SELECT path FROM imgs i WHERE EXISTS"
                + " (SELECT 1 FROM imgs j WHERE j.path = i.path AND resnet_error(j.content) IS NULL)").count();
        assertEquals(6, exists);
    }

    @Test
    void anImageFromTheOuterQueryFailsAtAnalysis() {
        AnalysisException e = assertThrows(AnalysisException.class, () -> spark.sql(
                "SELECT path FROM imgs i WHERE EXISTS (SELECT 1 FROM imgs j WHERE resnet_error(i.content) IS NULL)"));
        assertTrue(e.getMessage().contains("resnet_error: argument 1 (image)"), e.getMessage());
    }
}
