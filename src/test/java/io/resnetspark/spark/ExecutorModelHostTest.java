package io.resnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resnetspark.testing.SparkTestSession;
import io.resnetspark.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bounded resident-model cache, counted: loads, frees, and which model goes. The tests hold
 * models the way tasks do, through leases.
 */
class ExecutorModelHostTest {

    private static final int BOUND = 2;

    private static ModelSource seeded(long seed) {
        return new ModelSource("resnet18", 3, null, "seed:" + seed, seed, "cpu", 0, "fp32", BOUND);
    }

    private static ExecutorModelHost.Lease hold(long seed) {
        return ExecutorModelHost.acquire(seeded(seed), 2, 1000, new Configuration());
    }

    @Test
    void atMostTheBoundStaysResidentTheLeastRecentlyUsedGoesAndIsFreed() {
        int residentBefore = ExecutorModelHost.residentCount();
        int loads = ExecutorModelHost.loadCount();
        int frees = ExecutorModelHost.freeCount();
        ScoringService first;
        try (ExecutorModelHost.Lease a = hold(101)) {
            first = a.service();
        }
        try (ExecutorModelHost.Lease b = hold(102)) {
            assertEquals(loads + 2, ExecutorModelHost.loadCount());
        }
        try (ExecutorModelHost.Lease again = hold(101)) {
            assertSame(first, again.service(), "a resident model is shared, not reloaded");
        }
        try (ExecutorModelHost.Lease c = hold(103)) {
            assertEquals(loads + 3, ExecutorModelHost.loadCount());
        }
        assertEquals(BOUND, ExecutorModelHost.residentCount());
        // Whatever earlier tests left resident went too, and 102, used least recently.
        assertEquals(frees + residentBefore + 3 - BOUND, ExecutorModelHost.freeCount());
        assertFalse(first.model().isReleased(), "101 was used more recently than 102");
        try (ExecutorModelHost.Lease b = hold(102)) {
            assertEquals(loads + 4, ExecutorModelHost.loadCount(), "102 was evicted, so it loads again");
        }
        assertTrue(first.model().isReleased(), "now 101 was the least recently used: evicted and freed");
    }

    /** Through Spark: each task releases its model when it completes, so switching weights never piles up. */
    @Test
    void tasksThatSwitchWeightsKeepAtMostTheBound(@TempDir Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 3; i++) {
            TestImages.write(images, "img" + i + ".png", 40, 40, "png", i);
        }
        SparkSession spark = SparkTestSession.start("ExecutorModelHostTest");
        try {
            Dataset<Row> files = spark.read().format("binaryFile").load(images.toString()).repartition(2);
            int loads = ExecutorModelHost.loadCount();
            for (long seed = 301; seed <= 304; seed++) {
                ResNetTransformer transformer = new ResNetTransformer().setArch("resnet18").setNumClasses(3)
                        .setSeed(seed).setResizeSize(32).setCropSize(32).setBatchSize(2).setMaxResidentModels(1);
                assertEquals(3, transformer.transform(files).select("logits").where("logits IS NOT NULL").count());
                assertEquals(1, ExecutorModelHost.residentCount(), "seed " + seed);
            }
            assertEquals(loads + 4, ExecutorModelHost.loadCount());
        } finally {
            SparkTestSession.stop(spark);
        }
    }

    @Test
    void aModelATaskHoldsIsNeverEvicted() {
        ExecutorModelHost.Lease held = hold(201);
        try {
            for (long seed = 202; seed <= 205; seed++) {
                try (ExecutorModelHost.Lease other = hold(seed)) {
                    assertFalse(held.service().model().isReleased());
                }
            }
            assertEquals(BOUND, ExecutorModelHost.residentCount());
            int frees = ExecutorModelHost.freeCount();
            // More models in use than the bound: the extra one stays until its holder lets go.
            try (ExecutorModelHost.Lease second = hold(206); ExecutorModelHost.Lease third = hold(207)) {
                assertEquals(BOUND + 1, ExecutorModelHost.residentCount());
                assertFalse(second.service().model().isReleased());
            }
            assertEquals(BOUND, ExecutorModelHost.residentCount());
            assertEquals(frees + 2, ExecutorModelHost.freeCount(), "205 on loading 206, then 207 once released");
        } finally {
            held.close();
        }
        assertFalse(held.service().model().isReleased(), "201 was used recently enough to stay");
    }
}
