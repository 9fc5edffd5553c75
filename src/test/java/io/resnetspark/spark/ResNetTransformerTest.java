package io.resnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.resnetspark.image.ImageDecoder;
import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.image.Preprocessor;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetModel;
import io.resnetspark.model.ResNetSpec;
import io.resnetspark.testing.SparkTestSession;
import io.resnetspark.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transformer on real local Spark over real files: good and broken images side by side, the
 * three input kinds, invalid-row policies, schema checks, one model load per executor, and a saved
 * Pipeline. Small inputs (64x64 crops, resnet18) keep it quick on two cores.
 */
class ResNetTransformerTest {

    private static final int SIZE = 64;
    @TempDir static Path dir;
    private static Path images;
    private static SparkSession spark;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkTestSession.start("ResNetTransformerTest");
        images = Files.createDirectories(dir.resolve("images"));
        TestImages.write(images, "a.png", 90, 70, "png", 1);
        TestImages.write(images, "b.jpg", 80, 120, "jpg", 2);
        TestImages.write(images, "c.bmp", 64, 64, "bmp", 3);
        TestImages.write(images, "d.png", 200, 100, "png", 4);
        Files.writeString(images.resolve("notes.png"), "this is text, not a picture");
        TestImages.truncated(TestImages.write(dir, "whole.jpg", 120, 90, "jpg", 5), images.resolve("cut.jpg"), 300);
    }

    @AfterAll
    static void tearDown() {
        SparkTestSession.stop(spark);
    }

    private static ResNetTransformer transformer(long seed) {
        return new ResNetTransformer()
                .setArch("resnet18")
                .setNumClasses(10)
                .setSeed(seed)
                .setResizeSize(SIZE)
                .setCropSize(SIZE)
                .setBatchSize(4);
    }

    /** The image directory read with binaryFile, plus a row of zero bytes (binaryFile skips empty files). */
    private static Dataset<Row> binaryFiles() {
        Dataset<Row> files = spark.read().format("binaryFile").load(images.toString());
        Dataset<Row> empty = spark.sql("SELECT 'file:/generated/empty.jpg' AS path, CAST(NULL AS TIMESTAMP) AS modificationTime,"
                + " CAST(0 AS BIGINT) AS length, X'' AS content");
        return files.unionByName(empty);
    }

    private static Map<String, Row> byFileName(List<Row> rows, String pathColumn) {
        Map<String, Row> byName = new HashMap<>();
        for (Row row : rows) {
            String path = row.getAs(pathColumn);
            byName.put(path.substring(path.lastIndexOf('/') + 1), row);
        }
        return byName;
    }

    /** What the model says for a file, computed directly without Spark. */
    private static float[] directLogits(Path file, long seed) throws Exception {
        PreprocessConfig config = new PreprocessConfig(SIZE, SIZE, SIZE, PreprocessConfig.IMAGENET_MEAN, PreprocessConfig.IMAGENET_STD);
        float[] chw = new Preprocessor(config).toChw(new ImageDecoder().decode(Files.readAllBytes(file)));
        try (ResNetModel model = ResNetModel.seeded(new ResNetSpec(ResNetArchitecture.RESNET18, 10, 3), seed, Device.cpu())) {
            return model.forward(chw, new long[] {1, 3, SIZE, SIZE}).logitsOf(0);
        }
    }

    @Test
    void goodImagesGetLogitsAndBadOnesAReasonWithoutLosingRows() throws Exception {
        Dataset<Row> scored = transformer(1).setProbabilitiesCol("probabilities").setEmbeddingCol("embedding")
                .setTopKCol("top").setTopK(3).transform(binaryFiles());
        Map<String, Row> rows = byFileName(scored.collectAsList(), "path");
        assertEquals(7, rows.size());
        for (String good : List.of("a.png", "b.jpg", "c.bmp", "d.png")) {
            Row row = rows.get(good);
            assertNull(row.getAs("error"), good);
            List<Float> logits = row.getList(row.fieldIndex("logits"));
            assertEquals(10, logits.size());
            float[] expected = directLogits(images.resolve(good), 1);
            for (int i = 0; i < 10; i++) {
                assertEquals(expected[i], logits.get(i), 1e-4, good + " logit " + i);
            }
            List<Float> probabilities = row.getList(row.fieldIndex("probabilities"));
            assertEquals(1.0, probabilities.stream().mapToDouble(Float::doubleValue).sum(), 1e-4);
            assertEquals(512, row.getList(row.fieldIndex("embedding")).size());
            List<Row> top = row.getList(row.fieldIndex("top"));
            assertEquals(3, top.size());
            int best = argmax(expected);
            assertEquals(best, top.get(0).getInt(0));
            assertNull(top.get(0).get(1));
            assertEquals(probabilities.get(best), top.get(0).getFloat(2), 1e-6);
        }
        assertReason(rows.get("empty.jpg"), "empty");
        assertReason(rows.get("notes.png"), "not_an_image");
        assertReason(rows.get("cut.jpg"), "truncated");
        for (String bad : List.of("empty.jpg", "notes.png", "cut.jpg")) {
            assertNull(rows.get(bad).getAs("logits"));
            assertNull(rows.get(bad).getAs("top"));
            assertNotNull(rows.get(bad).getAs("content"), "the input row is kept whole");
        }
    }

    /**
     * Same logits up to float rounding: an image's logits depend slightly on which images share
     * its batch (the convolution kernels sum in a batch-dependent order), by ~1e-6.
     */
    private static void assertClose(Row expected, Row actual, String what) {
        List<Float> a = expected.getList(expected.fieldIndex("logits"));
        List<Float> b = actual.getList(actual.fieldIndex("logits"));
        assertEquals(a.size(), b.size(), what);
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i), b.get(i), 1e-5, what + " logit " + i);
        }
    }

    private static void assertReason(Row row, String reason) {
        String error = row.getAs("error");
        assertTrue(error != null && error.startsWith(reason + ":"), "expected reason " + reason + ", got: " + error);
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void skipDropsInvalidRowsAndErrorNamesTheRow() {
        Dataset<Row> skipped = transformer(1).setHandleInvalid("skip").transform(binaryFiles());
        assertEquals(4, skipped.count());
        assertTrue(!List.of(skipped.columns()).contains("error"));

        SparkException failure = assertThrows(SparkException.class,
                () -> transformer(1).setHandleInvalid("error").transform(binaryFiles()).collectAsList());
        String message = rootMessage(failure);
        assertTrue(message.contains("cannot score row '") && message.contains("handleInvalid=error"), message);
    }

    @Test
    void aFailureBudgetFailsPartitionsWithTooManyInvalidRows() {
        SparkException failure = assertThrows(SparkException.class,
                () -> transformer(1).setMaxInvalidFraction(0.1).transform(binaryFiles().coalesce(1)).collectAsList());
        String message = rootMessage(failure);
        assertTrue(message.contains("3 of 7 rows") && message.contains("maxInvalidFraction=0.1"), message);
        assertEquals(7, transformer(1).setMaxInvalidFraction(0.5).transform(binaryFiles().coalesce(1)).count());
    }

    private static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }

    @Test
    void pathsAndImageStructsScoreLikeBytes() {
        Map<String, Row> fromBytes = byFileName(transformer(2).transform(binaryFiles()).collectAsList(), "path");
        Dataset<Row> paths = binaryFiles().filter("length > 0").selectExpr("path AS uri");
        Map<String, Row> fromPaths = byFileName(transformer(2).setInputCol("uri").transform(paths).collectAsList(), "uri");
        Dataset<Row> structs = spark.read().format("image").option("dropInvalid", "false").load(images.toString());
        List<Row> structRows = transformer(2).setInputCol("image").transform(structs.selectExpr("image", "image.origin AS origin"))
                .collectAsList();
        Map<String, Row> fromStructs = byFileName(structRows, "origin");
        for (String png : List.of("a.png", "d.png")) {
            assertClose(fromBytes.get(png), fromPaths.get(png), png + " via paths");
            List<Float> expected = fromBytes.get(png).getList(fromBytes.get(png).fieldIndex("logits"));
            List<Float> actual = fromStructs.get(png).getList(fromStructs.get(png).fieldIndex("logits"));
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), actual.get(i), 1e-4, png + " via the image source");
            }
        }
        assertReason(fromPaths.get("notes.png"), "not_an_image");
        Row missing = transformer(2).setInputCol("uri")
                .transform(spark.sql("SELECT 'file:/nowhere/x.jpg' AS uri")).first();
        assertReason(missing, "unreadable");
    }

    @Test
    void aParquetTableOfEncodedImagesScoresLikeTheFiles() {
        String parquet = dir.resolve("images.parquet").toString();
        binaryFiles().selectExpr("path AS image_id", "content AS bytes").write().mode("overwrite").parquet(parquet);
        Map<String, Row> fromFiles = byFileName(transformer(3).transform(binaryFiles()).collectAsList(), "path");
        Map<String, Row> fromParquet = byFileName(
                transformer(3).setInputCol("bytes").transform(spark.read().parquet(parquet)).collectAsList(), "image_id");
        assertEquals(fromFiles.keySet(), fromParquet.keySet());
        for (String name : fromFiles.keySet()) {
            Row file = fromFiles.get(name);
            Row table = fromParquet.get(name);
            assertEquals(file.<Object>getAs("logits") == null, table.<Object>getAs("logits") == null, name);
            if (file.getAs("logits") != null) {
                assertClose(file, table, name);
            }
            assertEquals(String.valueOf(file.<String>getAs("error")), String.valueOf(table.<String>getAs("error")), name);
        }
    }

    @Test
    void schemaProblemsAreReportedBeforeAnyTaskRuns() {
        StructType schema = new StructType().add("path", DataTypes.StringType).add("size", DataTypes.IntegerType)
                .add("content", DataTypes.BinaryType).add("logits", DataTypes.StringType);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> transformer(1).setInputCol("bytes").transformSchema(schema));
        assertTrue(missing.getMessage().contains("input column 'bytes' does not exist"), missing.getMessage());
        IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class,
                () -> transformer(1).setInputCol("size").transformSchema(schema));
        assertTrue(wrongType.getMessage().contains("input column 'size' has type int; expected binary"), wrongType.getMessage());
        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
                () -> transformer(1).transformSchema(schema));
        assertTrue(exists.getMessage().contains("output column 'logits' already exists (type string)"), exists.getMessage());
        StructType out = transformer(1).setOutputCol("scores").setTopKCol("top").transformSchema(schema);
        assertEquals("array<float>", out.apply("scores").dataType().simpleString());
        assertEquals("array<struct<index:int,label:string,score:float>>", out.apply("top").dataType().simpleString());
        assertEquals("string", out.apply("error").dataType().simpleString());
        assertThrows(IllegalArgumentException.class, () -> transformer(1).setArch("resnet99"));
        assertThrows(IllegalArgumentException.class, () -> transformer(1).setHandleInvalid("ignore"));
        assertThrows(IllegalArgumentException.class, () -> transformer(1).setDevice("tpu"));
        assertThrows(IllegalArgumentException.class, () -> transformer(1).setMean(new double[] {0.5, 0.5}));
        assertThrows(IllegalArgumentException.class, () -> transformer(1).setStd(new double[] {0.2, 0.0, 0.2}));
        assertThrows(IllegalArgumentException.class, () -> transformer(1).setBatchSize(0));
    }

    @Test
    void manyPartitionsShareOneModelLoad() {
        int before = ExecutorModelHost.loadCount();
        Dataset<Row> many = binaryFiles().repartition(12);
        assertEquals(7, transformer(77).transform(many).count());
        assertEquals(7, transformer(77).transform(many).filter("logits IS NOT NULL OR error IS NOT NULL").count());
        assertEquals(before + 1, ExecutorModelHost.loadCount(), "one load for 12 partitions and two jobs");
    }

    @Test
    void labelsNameTheTopClasses() throws Exception {
        Path labels = dir.resolve("labels.txt");
        Files.write(labels, List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"));
        Row row = transformer(1).setTopKCol("top").setTopK(2).setLabels(labels.toUri().toString())
                .transform(binaryFiles().filter("path LIKE '%a.png'")).first();
        Row best = row.<Row>getList(row.fieldIndex("top")).get(0);
        assertEquals(List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine").get(best.getInt(0)),
                best.getString(1));
        Files.write(labels, List.of("only", "three", "labels"));
        // The labels are read when the query runs (once, on the driver), not when it is built.
        Dataset<Row> mismatched = transformer(1).setTopKCol("top").setLabels(labels.toString()).transform(binaryFiles());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, mismatched::collectAsList);
        assertTrue(e.getMessage().contains("has 3 labels but the model has 10 classes"), e.getMessage());
    }

    @Test
    void aSavedPipelineLoadsAndAgrees() throws Exception {
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {transformer(5).setTopKCol("top").setTopK(2)});
        PipelineModel fitted = pipeline.fit(binaryFiles());
        Path saved = dir.resolve("pipeline");
        fitted.write().overwrite().save(saved.toString());
        PipelineModel loaded = PipelineModel.load(saved.toString());
        ResNetTransformer stage = (ResNetTransformer) loaded.stages()[0];
        assertEquals(5L, stage.getOrDefault(stage.seed()));
        assertEquals(SIZE, stage.getOrDefault(stage.cropSize()));
        Map<String, Row> before = byFileName(fitted.transform(binaryFiles()).collectAsList(), "path");
        Map<String, Row> after = byFileName(loaded.transform(binaryFiles()).collectAsList(), "path");
        for (String name : before.keySet()) {
            assertEquals(before.get(name).getAs("logits") == null, after.get(name).getAs("logits") == null);
            if (before.get(name).getAs("logits") != null) {
                assertClose(before.get(name), after.get(name), name);
            }
        }
        ResNetTransformer direct = ResNetTransformer.load(saved.resolve("stages").toFile().listFiles()[0].toString());
        assertEquals("resnet18", direct.getOrDefault(direct.arch()));
    }

    @Test
    void theHighBitDepthSettingChoosesBetweenPillowsClipAndScaling() throws Exception {
        Path deep = Files.createDirectories(dir.resolve("deep"));
        java.awt.image.BufferedImage grey16 = new java.awt.image.BufferedImage(80, 80, java.awt.image.BufferedImage.TYPE_USHORT_GRAY);
        java.awt.image.BufferedImage white8 = new java.awt.image.BufferedImage(80, 80, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 80; y++) {
            for (int x = 0; x < 80; x++) {
                grey16.getRaster().setSample(x, y, 0, 20000 + 400 * x); // all above 255: Pillow clips them to white
                white8.getRaster().setSample(x, y, 0, 255);
            }
        }
        javax.imageio.ImageIO.write(grey16, "png", deep.resolve("grey16.png").toFile());
        javax.imageio.ImageIO.write(white8, "png", deep.resolve("white8.png").toFile());
        Dataset<Row> files = spark.read().format("binaryFile").load(deep.toString());
        Map<String, Row> clip = byFileName(transformer(4).transform(files).collectAsList(), "path");
        Map<String, Row> scale = byFileName(transformer(4).setOption(io.resnetspark.options.ScoringSettings.HIGH_BIT_DEPTH, "scale")
                .transform(files).collectAsList(), "path");
        assertEquals(clip.get("white8.png").<Object>getAs("logits"), clip.get("grey16.png").getAs("logits"),
                "clip: a 16-bit grey image above 255 is white, as in Pillow");
        assertEquals(clip.get("white8.png").<Object>getAs("logits"), scale.get("white8.png").getAs("logits"));
        assertTrue(!clip.get("grey16.png").getAs("logits").equals(scale.get("grey16.png").getAs("logits")),
                "scale keeps the 16-bit image's contrast");
    }
}
