package io.resnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

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
