package io.resnetspark.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** The Java installation on a running session without the extension line: ResNetSql.register. */
class ResNetSqlRegisterTest {

    @TempDir static Path dir;
    private static SparkSession spark;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkTestSession.start("ResNetSqlRegisterTest");
        Path images = Files.createDirectories(dir.resolve("images"));
        TestImages.write(images, "a.png", 90, 70, "png", 1);
        TestImages.write(images, "b.jpg", 80, 120, "jpg", 2);
        Files.writeString(images.resolve("notes.png"), "not a picture");
        spark.read().format("binaryFile").load(images.toString()).createOrReplaceTempView("images");
        ResNetSql.register(spark);
        ResNetSql.register(spark);
        SparkTestSession.useSmallModel(spark, 7, 64);
    }

    @AfterAll
    static void tearDown() {
        SparkTestSession.stop(spark);
    }

    @Test
    void registeredFunctionsRunBatched() {
        List<Row> rows = spark.sql("SELECT path, resnet_topk(content, 3) AS top, resnet_error(content) AS error FROM images"
                + " WHERE resnet_logits(content) IS NOT NULL OR length > 0 ORDER BY path").collectAsList();
        assertEquals(3, rows.size());
        assertEquals(3, rows.get(0).getList(1).size());
        assertNull(rows.get(0).get(2));
        assertTrue(rows.get(2).getString(2).startsWith("not_an_image"), rows.get(2).getString(2));
        String plan = spark.sql("EXPLAIN SELECT resnet_logits(content) FROM images").first().getString(0);
        assertTrue(plan.contains("ResNetScoring "), plan);
    }
}
