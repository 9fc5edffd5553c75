package io.resnetspark.options;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resnetspark.spark.ResNetTransformer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The one definition of the scoring settings and its three front ends: names derived per front
 * end, text and HOCON values parsed and checked with messages that name the setting as the user
 * spelled it, old names accepted, and the README's table generated from the same definition.
 */
class ScoringSettingsTest {

    private static ScoringOptions sql(Map<String, String> settings) {
        return ScoringOptions.read(FrontEnd.SQL, key -> Optional.ofNullable(settings.get(key)));
    }

    private static String sqlError(String key, String value) {
        return assertThrows(InvalidSettingException.class, () -> sql(Map.of(key, value))).getMessage();
    }

    @Test
    void eachFrontEndSpellsTheSameNameItsOwnWay() {
        Setting<Integer> resize = ScoringSettings.RESIZE_SIZE;
        assertEquals("resizeSize", resize.paramName());
        assertEquals("spark.resnet.resizeSize", resize.sqlKey());
        assertEquals("model.preprocessing.resize-size", resize.hoconKey());
        for (Setting<?> setting : ScoringSettings.ALL) {
            assertEquals(setting.name(), setting.paramName());
            assertEquals("spark.resnet." + setting.name(), setting.sqlKey());
        }
    }

    @Test
    void valuesAreParsedAndCheckedNamingTheSetting() {
        ScoringOptions options = sql(Map.of("spark.resnet.batchSize", "32", "spark.resnet.arch", "ResNet18",
                "spark.resnet.mean", "0.5, 0.5, 0.5", "spark.resnet.normalize", "false"));
        assertEquals(32, options.get(ScoringSettings.BATCH_SIZE));
        assertEquals("resnet18", options.get(ScoringSettings.ARCH));
        assertArrayEquals(new double[] {0.5, 0.5, 0.5}, options.get(ScoringSettings.MEAN));
        assertFalse(options.get(ScoringSettings.NORMALIZE));
        assertEquals(1000, options.get(ScoringSettings.NUM_CLASSES), "unset: the default");

        assertEquals("spark.resnet.batchSize='abc' is not an integer", sqlError("spark.resnet.batchSize", "abc"));
        assertEquals("spark.resnet.batchSize='0' must be >= 1", sqlError("spark.resnet.batchSize", "0"));
        assertTrue(sqlError("spark.resnet.arch", "resnet19").startsWith("spark.resnet.arch='resnet19' must be one of resnet18,"));
        assertTrue(sqlError("spark.resnet.device", "tpu").contains("must be auto, cpu, gpu or gpu:N"));
        assertTrue(sqlError("spark.resnet.std", "1,0,1").contains("must be 3 positive finite numbers"));
        assertTrue(sqlError("spark.resnet.mean", "1,2").contains("must be 3 finite numbers"));
        assertEquals("spark.resnet.normalize='yes' is not true or false", sqlError("spark.resnet.normalize", "yes"));
        String bf16 = sqlError("spark.resnet.precision", "bf16");
        assertTrue(bf16.startsWith("spark.resnet.precision='bf16' is refused: ") && bf16.contains("aborts the JVM"), bf16);
        assertEquals("fp16", sql(Map.of("spark.resnet.precision", "FP16")).get(ScoringSettings.PRECISION));
        String both = assertThrows(InvalidSettingException.class,
                () -> sql(Map.of("spark.resnet.resizeSize", "0", "spark.resnet.cropSize", "0"))).getMessage();
        assertTrue(both.startsWith("spark.resnet.resizeSize and spark.resnet.cropSize: neither resize nor crop"), both);
    }

    @Test
    void hoconValuesKeepTheirTypes() {
        Map<String, Object> job = new HashMap<>();
        job.put("model.batch-size", 8);
        job.put("model.preprocessing.mean", java.util.List.of(0, 0.5, 1));
        job.put("model.seed", 12);
        ScoringOptions options = ScoringOptions.read(FrontEnd.JOB, key -> Optional.ofNullable(job.get(key)));
        assertEquals(8, options.get(ScoringSettings.BATCH_SIZE));
        assertEquals(12L, options.get(ScoringSettings.SEED));
        assertArrayEquals(new double[] {0, 0.5, 1}, options.get(ScoringSettings.MEAN));
        job.put("model.batch-size", 2.5);
        String fraction = assertThrows(InvalidSettingException.class,
                () -> ScoringOptions.read(FrontEnd.JOB, key -> Optional.ofNullable(job.get(key)))).getMessage();
        assertEquals("model.batch-size='2.5' is not an integer", fraction);
    }

    @Test
    void oldNamesStillWorkAndTheCurrentNameWins() {
        Map<String, Object> job = new HashMap<>(Map.of("model.threads", 3));
        assertEquals(3, ScoringOptions.read(FrontEnd.JOB, key -> Optional.ofNullable(job.get(key)))
                .get(ScoringSettings.NUM_THREADS));
        job.put("model.num-threads", 2);
        assertEquals(2, ScoringOptions.read(FrontEnd.JOB, key -> Optional.ofNullable(job.get(key)))
                .get(ScoringSettings.NUM_THREADS));
    }

    @Test
    void transformerParamsAreTheSettings() {
        ResNetTransformer transformer = new ResNetTransformer();
        for (Setting<?> setting : ScoringSettings.of(FrontEnd.TRANSFORMER)) {
            assertTrue(transformer.hasParam(setting.paramName()), setting.name());
            assertEquals(setting.doc(), transformer.getParam(setting.paramName()).doc());
        }
        assertEquals(ScoringOptions.defaults(), transformer.options());

        // An old param name (as in a saved pipeline, or set by name from PySpark) moves to the current param.
        transformer.set("architecture", "resnet18");
        transformer.set(transformer.getParam("weightsPath"), "/models/w.safetensors");
        assertEquals("resnet18", transformer.getOrDefault(transformer.arch()));
        assertFalse(transformer.isSet(transformer.getParam("architecture")));
        assertEquals("resnet18", transformer.options().get(ScoringSettings.ARCH));
        assertEquals("/models/w.safetensors", transformer.options().get(ScoringSettings.WEIGHTS));

        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> transformer.setBatchSize(0));
        assertTrue(bad.getMessage().contains("batchSize='0' must be >= 1"), bad.getMessage());
        ScoringOptions chosen = ScoringOptions.defaults().with(ScoringSettings.BATCH_SIZE, 7)
                .with(ScoringSettings.LABELS, "/labels.txt");
        assertEquals(chosen, new ResNetTransformer().setOptions(chosen).options());
    }

    @Test
    void scalingHighBitDepthImagesIsPartOfThePreprocessingProvenance() {
        String clip = ScoringOptions.defaults().preprocessingSignature();
        assertEquals(ScoringOptions.defaults().preprocessing().signature(), clip);
        String scale = ScoringOptions.defaults().with(ScoringSettings.HIGH_BIT_DEPTH, "Scale").preprocessingSignature();
        assertEquals(clip + "|highbitdepth-scale", scale);
        assertTrue(sqlError("spark.resnet.highBitDepth", "stretch").contains("must be one of clip, scale"));
    }

    @Test
    void theReadmeShowsTheGeneratedTable() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("user.dir"), "README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains(SettingsTable.markdown()),
                "README.md must contain the table `jobs/resnet settings` prints:\n" + SettingsTable.markdown());
    }
}
