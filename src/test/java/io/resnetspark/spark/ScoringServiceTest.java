package io.resnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.image.RgbImage;
import io.resnetspark.model.InferenceResult;
import io.resnetspark.model.PixelNormalization;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetModel;
import io.resnetspark.model.ResNetSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The model owner on a real model: every image gets its own answer in any batching, the
 * out-of-memory back-off (the engine's own {@link EngineException} raised for batches above a
 * size, since no real device runs out of memory here), a lost device, and a shutdown that never
 * frees the weights under a running batch.
 */
class ScoringServiceTest {

    private static final ResNetSpec SPEC = new ResNetSpec(ResNetArchitecture.RESNET18, 5, 3);
    private static final int SIZE = 32;
    private static final PreprocessConfig PREPROCESSING = new PreprocessConfig(0, SIZE, SIZE,
            PreprocessConfig.IMAGENET_MEAN, PreprocessConfig.IMAGENET_STD);
    private static final PixelNormalization NORMALIZATION =
            new PixelNormalization(PREPROCESSING.mean(), PREPROCESSING.std());

    private static RgbImage image(long seed) {
        byte[] pixels = new byte[SIZE * SIZE * 3];
        new SplittableRandom(seed).nextBytes(pixels);
        return new RgbImage(SIZE, SIZE, pixels);
    }

    /** The model's answer for one image alone: the reference every batched answer must match. */
    private static float[] alone(ResNetModel model, RgbImage image) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(image.pixels().length).put(image.pixels()).flip();
        return model.forwardPixels(buffer, 1, SIZE, SIZE, NORMALIZATION).logitsOf(0);
    }

    private static List<CompletableFuture<ModelOutput>> submitAll(ScoringService service, int count)
            throws InterruptedException {
        List<CompletableFuture<ModelOutput>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(service.submit(image(i), PREPROCESSING));
        }
        return futures;
    }

    @Test
    void everyImageGetsItsOwnAnswerInOrderUnderBackOff() throws Exception {
        try (ResNetModel model = ResNetModel.seeded(SPEC, 3, Device.cpu())) {
            List<Integer> passes = Collections.synchronizedList(new ArrayList<>());
            ScoringService.BatchRunner tooBigAbove3 = (pixels, batch, height, width, normalization) -> {
                passes.add(batch);
                if (batch > 3) {
                    throw new EngineException("CUDA out of memory. Tried to allocate 1.50 GiB (GPU 0; 15.78 GiB total"
                            + " capacity; 14.10 GiB already allocated)");
                }
                return model.forwardPixels(pixels, batch, height, width, normalization);
            };
            ScoringService service = new ScoringService(model, tooBigAbove3, 8, 1000);
            try {
                List<CompletableFuture<ModelOutput>> futures = submitAll(service, 21);
                for (int i = 0; i < futures.size(); i++) {
                    assertArrayEquals(alone(model, image(i)), futures.get(i).get(60, TimeUnit.SECONDS).logits(), 1e-4f,
                            "image " + i);
                }
                // Warm-up found the limit before the first rows ran: 8 and 4 failed, 2 ran.
                assertEquals(List.of(8, 4, 2), passes.subList(0, 3), passes.toString());
                assertEquals(2, service.batchLimit());
                assertTrue(passes.subList(3, passes.size()).stream().allMatch(n -> n <= 2), passes.toString());
                assertEquals(21, service.stats().images());
            } finally {
                assertTrue(service.stopAndFree());
            }
        }
    }

    @Test
    void aBatchAlreadyAssembledAboveTheNewLimitIsSplitWithNothingLostOrDoubled() throws Exception {
        try (ResNetModel model = ResNetModel.seeded(SPEC, 4, Device.cpu())) {
            AtomicInteger calls = new AtomicInteger();
            AtomicInteger imagesRun = new AtomicInteger();
            ScoringService.BatchRunner failsLater = (pixels, batch, height, width, normalization) -> {
                // The warm-up passes; from then on batches above 1 run out of memory, as when memory shrinks.
                if (calls.incrementAndGet() > 1 && batch > 1) {
                    throw new EngineException("[enforce fail at alloc_cpu.cpp:83] err == 0. DefaultCPUAllocator:"
                            + " can't allocate memory: you tried to allocate 9633792 bytes.");
                }
                InferenceResult result = model.forwardPixels(pixels, batch, height, width, normalization);
                imagesRun.addAndGet(calls.get() > 1 ? batch : 0);
                return result;
            };
            ScoringService service = new ScoringService(model, failsLater, 4, 1000);
            try {
                List<CompletableFuture<ModelOutput>> futures = submitAll(service, 9);
                for (int i = 0; i < futures.size(); i++) {
                    assertArrayEquals(alone(model, image(i)), futures.get(i).get(60, TimeUnit.SECONDS).logits(), 1e-4f);
                }
                assertEquals(9, imagesRun.get(), "each image ran exactly once");
                assertEquals(1, service.batchLimit());
            } finally {
                service.stopAndFree();
            }
        }
    }

    @Test
    void outOfMemoryForOneImageFailsThatImageOnly() throws Exception {
        try (ResNetModel model = ResNetModel.seeded(SPEC, 5, Device.cpu())) {
            ScoringService service = new ScoringService(model, (pixels, batch, height, width, normalization) -> {
                throw new EngineException("CUDA out of memory. Tried to allocate 20.00 MiB");
            }, 2, 1000);
            try {
                CompletableFuture<ModelOutput> future = service.submit(image(1), PREPROCESSING);
                ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(60, TimeUnit.SECONDS));
                assertTrue(e.getCause().getMessage().startsWith("out of memory for a single 32x32 image on cpu()"),
                        e.getCause().getMessage());
            } finally {
                service.stopAndFree();
            }
        }
    }

    @Test
    void aLostDeviceFailsEveryRequestWithTheReasonAndReportsIt() throws Exception {
        try (ResNetModel model = ResNetModel.seeded(SPEC, 6, Device.cpu())) {
            AtomicInteger calls = new AtomicInteger();
            ScoringService service = new ScoringService(model, (pixels, batch, height, width, normalization) -> {
                if (calls.incrementAndGet() > 1) {
                    throw new EngineException("CUDA error: an illegal memory access was encountered\nCUDA kernel errors"
                            + " might be asynchronously reported at some other API call");
                }
                return model.forwardPixels(pixels, batch, height, width, normalization);
            }, 2, 1000);
            CountDownLatch reported = new CountDownLatch(1);
            service.onDeviceLost(lost -> reported.countDown());
            try {
                List<CompletableFuture<ModelOutput>> futures = submitAll(service, 6);
                for (CompletableFuture<ModelOutput> future : futures) {
                    ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(60, TimeUnit.SECONDS));
                    assertTrue(e.getCause().getMessage().startsWith("the device cpu() failed (CUDA error: an illegal"
                            + " memory access was encountered); its resident model was dropped"), e.getCause().getMessage());
                }
                assertTrue(reported.await(10, TimeUnit.SECONDS));
                IllegalStateException refused = assertThrows(IllegalStateException.class,
                        () -> service.submit(image(9), PREPROCESSING));
                assertTrue(refused.getMessage().contains("Spark retries it"), refused.getMessage());
            } finally {
                service.stopAndFree();
            }
        }
    }

    @Test
    void shutdownWaitsForTheBatchInFlightBeforeFreeingTheWeights() throws Exception {
        ResNetModel model = ResNetModel.seeded(SPEC, 8, Device.cpu());
        CountDownLatch running = new CountDownLatch(2); // warm-up, then the batch
        CountDownLatch release = new CountDownLatch(1);
        ScoringService service = new ScoringService(model, (pixels, batch, height, width, normalization) -> {
            running.countDown();
            if (running.getCount() == 0) {
                await(release);
            }
            return model.forwardPixels(pixels, batch, height, width, normalization);
        }, 1, 1000);
        CompletableFuture<ModelOutput> inFlight = service.submit(image(1), PREPROCESSING);
        assertTrue(running.await(60, TimeUnit.SECONDS));
        AtomicBoolean freed = new AtomicBoolean();
        Thread closer = new Thread(() -> freed.set(service.stopAndFree()));
        closer.start();
        closer.join(500);
        assertTrue(closer.isAlive(), "close waits while the owner runs a batch");
        assertFalse(model.isReleased(), "the weights are not freed under a running batch");
        release.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(60));
        assertTrue(freed.get());
        assertTrue(model.isReleased());
        assertEquals(5, inFlight.get(1, TimeUnit.SECONDS).logits().length, "the batch in flight completed");
        IllegalStateException late = assertThrows(IllegalStateException.class, () -> service.submit(image(2), PREPROCESSING));
        assertTrue(late.getMessage().contains("has been released"), late.getMessage());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
