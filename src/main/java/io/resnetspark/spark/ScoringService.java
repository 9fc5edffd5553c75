package io.resnetspark.spark;

import ai.djl.pytorch.jni.JniUtils;
import io.resnetspark.engine.EngineFailure;
import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.image.RgbImage;
import io.resnetspark.model.InferenceResult;
import io.resnetspark.model.PixelNormalization;
import io.resnetspark.model.ResNetModel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single owner of an executor's resident model. Task threads {@link #submit} their decoded,
 * resized and cropped images as uint8 pixels; an assembler thread gathers them into batches across
 * all tasks and copies each batch into one of two reused direct buffers (slots); the owner thread
 * runs the model on one slot while the assembler fills the other, so the engine does not wait for
 * the host between batches. The cast to float, the normalisation and the layout change run in the
 * engine, on the GPU when there is one.
 *
 * <p>The request queue is bounded: when the model falls behind, submitting blocks, which is the
 * back-pressure that keeps task threads from decoding a whole partition into memory. A batch
 * holds images of one size and one normalisation only; a request that differs starts the next.
 *
 * <p>Failures: on the engine's out-of-memory errors the owner frees the engine's cache, splits the
 * batch and retries down to one image, and keeps the lower batch limit for later batches; it also
 * warms up at the largest batch the first time it sees an image size, so that the limit is found
 * before rows wait on it. Every request gets exactly its own answer, in any case. After an error
 * that leaves the GPU unusable the owner fails every request it holds with the reason and
 * reports the loss ({@code onDeviceLost}), so the model is dropped and Spark retries the tasks.
 */
public final class ScoringService implements AutoCloseable {

    /** How one batch runs: the model's {@link ResNetModel#forwardPixels}; tests wrap it to raise engine errors. */
    @FunctionalInterface
    interface BatchRunner {
        InferenceResult run(ByteBuffer pixels, int batch, int height, int width, PixelNormalization normalization);
    }

    /** What the owner thread did so far: cumulative, for rates and the idle fraction over a window. */
    public record OwnerStats(long batches, long images, long idleNanos, long busyNanos, int batchLimit) {
        /** Share of {@code since .. this} the owner spent waiting for an assembled batch. */
        public double idleFractionSince(OwnerStats since) {
            long idle = idleNanos - since.idleNanos;
            long total = idle + busyNanos - since.busyNanos;
            return total == 0 ? 0 : idle / (double) total;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ScoringService.class);
    /** How long the assembler waits for more images before handing over a partial batch. */
    private static final long LINGER_MILLIS = 20;
    /** One slot for the batch that runs, one for the batch being assembled. */
    private static final int SLOTS = 2;
    /** How long {@link #close()} waits for the batch in flight before it gives up freeing the model. */
    private static final long STOP_WAIT_SECONDS = 60;
    private static final Request STOP = new Request(null, 0, 0, null, null);
    private static final Batch END = new Batch(List.of(), null);

    private final ResNetModel model;
    private final BatchRunner runner;
    private final int logEveryBatches;
    private final BlockingQueue<Request> requests;
    private final BlockingQueue<Slot> freeSlots = new ArrayBlockingQueue<>(SLOTS);
    private final BlockingQueue<Batch> assembled = new LinkedBlockingQueue<>();
    private final Thread assembler;
    private final Thread owner;
    private final Object lifecycle = new Object();
    /** Image sizes the owner has warmed up for (owner thread only). */
    private final Set<String> warmedUp = new HashSet<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong images = new AtomicLong();
    private final AtomicLong idleNanos = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private volatile int requestedBatch;
    /** The largest batch that fits in the device's memory, as found by the back-off. */
    private volatile int memoryLimit = Integer.MAX_VALUE;
    /** Why the device is unusable, once it is. */
    private volatile String deviceFailure;
    private volatile Consumer<ScoringService> onDeviceLost = service -> {};
    private boolean closed;
    private Request carried;
    private long imagesAtLastLog;
    private long lastLog = System.nanoTime();

    /**
     * An owner for {@code model} that batches up to {@code maxBatch} images and logs its rate every
     * {@code logEveryBatches} batches; executors get theirs from {@link ExecutorModelHost}, tools
     * (benchmarks, jobs/gpu-check) make their own.
     */
    public ScoringService(ResNetModel model, int maxBatch, int logEveryBatches) {
        this(model, model::forwardPixels, maxBatch, logEveryBatches);
    }

    ScoringService(ResNetModel model, BatchRunner runner, int maxBatch, int logEveryBatches) {
        this.model = model;
        this.runner = runner;
        this.requestedBatch = maxBatch;
        this.logEveryBatches = logEveryBatches;
        this.requests = new ArrayBlockingQueue<>(Math.max(4 * maxBatch, 64));
        for (int i = 0; i < SLOTS; i++) {
            freeSlots.add(new Slot());
        }
        this.assembler = new Thread(this::assemble, "resnet-batch-assembler-" + model.device());
        this.owner = new Thread(this::serve, "resnet-model-owner-" + model.device());
        assembler.setDaemon(true);
        owner.setDaemon(true);
        assembler.start();
        owner.start();
    }

    public ResNetModel model() {
        return model;
    }

    /** Raises the batch size to the largest any caller asked for (the memory limit still applies). */
    void requestBatchSize(int batchSize) {
        if (batchSize > requestedBatch) {
            requestedBatch = batchSize;
        }
    }

    /** Called on the owner thread when the device becomes unusable. */
    void onDeviceLost(Consumer<ScoringService> listener) {
        this.onDeviceLost = listener;
    }

    /** The largest batch the owner runs now: the requested size, or less after out-of-memory errors. */
    public int batchLimit() {
        return Math.min(requestedBatch, memoryLimit);
    }

    public OwnerStats stats() {
        return new OwnerStats(batches.get(), images.get(), idleNanos.get(), busyNanos.get(), batchLimit());
    }

    /**
     * Queues one image for the model and returns its future output. Blocks while the queue is full.
     *
     * @param pixels the image after torchvision's Resize and CenterCrop, uint8 RGB
     *     ({@code Preprocessor.resizeAndCrop}); its array is read later, on the assembler thread, so
     *     it must not change afterwards
     * @param preprocessing whose ToTensor and Normalize the engine applies
     * @throws IllegalStateException when the model was released or its device failed
     */
    public CompletableFuture<ModelOutput> submit(RgbImage pixels, PreprocessConfig preprocessing)
            throws InterruptedException {
        Request request = new Request(pixels.pixels(), pixels.height(), pixels.width(),
                new PixelNormalization(preprocessing.mean(), preprocessing.std()), new CompletableFuture<>());
        synchronized (lifecycle) { // a request is never queued behind the STOP marker
            if (deviceFailure != null) {
                throw new IllegalStateException(deviceFailure);
            }
            if (closed) {
                throw new IllegalStateException("the model on " + model.device() + " has been released");
            }
            requests.put(request);
        }
        return request.result;
    }

    // ---- assembler thread ------------------------------------------------------------------------

    private void assemble() {
        try {
            while (true) {
                List<Request> batch = nextBatch();
                if (batch == null) {
                    return;
                }
                Slot slot = freeSlots.take();
                try {
                    slot.fill(batch, Math.max(batch.size(), requestedBatch));
                } catch (RuntimeException e) { // a bug or an absurd size: these requests fail, the rest go on
                    LOG.error("cannot assemble a batch of {} on {}", batch.size(), model.device(), e);
                    freeSlots.add(slot);
                    batch.forEach(request -> request.result.completeExceptionally(e));
                    continue;
                }
                assembled.put(new Batch(batch, slot));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            assembled.add(END);
        }
    }

    /** Blocks for a first request, then gathers like ones until full or the linger ends; null at STOP. */
    private List<Request> nextBatch() throws InterruptedException {
        Request first = carried != null ? carried : requests.take();
        carried = null;
        if (first == STOP) {
            return null;
        }
        int limit = batchLimit();
        List<Request> batch = new ArrayList<>(limit);
        batch.add(first);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
        while (batch.size() < limit) {
            Request next = requests.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (next == null) {
                break;
            }
            if (next == STOP || !next.fitsWith(first)) {
                carried = next;
                break;
            }
            batch.add(next);
        }
        return batch;
    }

    // ---- owner thread ----------------------------------------------------------------------------

    private void serve() {
        try {
            while (true) {
                long waitStart = System.nanoTime();
                Batch batch = assembled.take();
                long runStart = System.nanoTime();
                idleNanos.addAndGet(runStart - waitStart);
                if (batch == END) {
                    return;
                }
                try {
                    if (deviceFailure != null) {
                        failAll(batch, 0, new IllegalStateException(deviceFailure));
                    } else {
                        run(batch);
                    }
                } catch (RuntimeException e) { // a bug, not the engine: still, no request waits forever
                    LOG.error("the model owner on {} failed", model.device(), e);
                    failAll(batch, 0, e);
                } finally {
                    freeSlots.add(batch.slot);
                    busyNanos.addAndGet(System.nanoTime() - runStart);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(Batch batch) {
        Request first = batch.requests.get(0);
        if (warmedUp.add(first.height + "x" + first.width)) {
            warmUp(batch.slot, first);
        }
        runInPieces(batch, 0, batch.requests.size());
        logProgress(batch.requests.size());
    }

    /**
     * One forward pass at the largest batch, on whatever the slot holds, so that an out-of-memory
     * limit is found before the first rows wait on it.
     */
    private void warmUp(Slot slot, Request like) {
        int size = Math.min(batchLimit(), slot.capacityImages(like.bytes()));
        while (true) {
            try {
                runner.run(slot.view(0, size, like.bytes()), size, like.height, like.width, like.normalization);
                return;
            } catch (RuntimeException e) {
                EngineFailure kind = EngineFailure.of(e);
                if (kind == EngineFailure.OUT_OF_MEMORY && size > 1) {
                    size = lowerLimit(size, e);
                } else {
                    if (kind == EngineFailure.DEVICE_LOST) {
                        deviceLost(e);
                    }
                    LOG.warn("warm-up at batch {} on {} failed: {}", size, model.device(), e.getMessage());
                    return; // the batch itself runs next and reports
                }
            }
        }
    }

    /** Runs requests {@code from .. from + count} in passes no larger than the current limit. */
    private void runInPieces(Batch batch, int from, int count) {
        int end = from + count;
        for (int start = from; start < end; ) {
            if (deviceFailure != null) {
                failAll(batch, start, new IllegalStateException(deviceFailure));
                return;
            }
            int size = Math.min(batchLimit(), end - start);
            runPass(batch, start, size);
            start += size;
        }
    }

    private void runPass(Batch batch, int from, int count) {
        Request first = batch.requests.get(from);
        try {
            long start = System.nanoTime();
            InferenceResult result = runner.run(batch.slot.view(from, count, first.bytes()), count, first.height,
                    first.width, first.normalization);
            long share = (System.nanoTime() - start) / count;
            for (int i = 0; i < count; i++) {
                batch.requests.get(from + i).result.complete(
                        new ModelOutput(result.logitsOf(i), result.featuresOf(i), share, i == 0));
            }
        } catch (RuntimeException | Error e) {
            switch (EngineFailure.of(e)) {
                case OUT_OF_MEMORY:
                    if (count > 1) {
                        lowerLimit(count, e);
                        runInPieces(batch, from, count);
                    } else {
                        fail(batch, from, count, new IllegalStateException("out of memory for a single "
                                + first.width + "x" + first.height + " image on " + model.device() + ": "
                                + e.getMessage(), e));
                    }
                    break;
                case DEVICE_LOST:
                    deviceLost(e);
                    fail(batch, from, count, new IllegalStateException(deviceFailure, e));
                    break;
                default:
                    LOG.error("inference failed for a batch of {} on {}", count, model.device(), e);
                    fail(batch, from, count, e);
            }
        }
    }

    /** Frees the engine's cached memory and halves the batch limit below {@code failedSize}; returns it. */
    private int lowerLimit(int failedSize, Throwable error) {
        if (model.device().isGpu()) {
            JniUtils.emptyCudaCache(); // blocks the caching allocator keeps would otherwise stay reserved
        }
        int limit = (failedSize + 1) / 2;
        memoryLimit = Math.min(memoryLimit, limit);
        LOG.warn("out of memory at batch {} on {}; batches are limited to {} from now on ({})", failedSize,
                model.device(), memoryLimit, firstLine(error.getMessage()));
        return memoryLimit;
    }

    private void deviceLost(Throwable error) {
        if (deviceFailure != null) {
            return;
        }
        deviceFailure = "the device " + model.device() + " failed (" + firstLine(error.getMessage()) + "); its resident"
                + " model was dropped and the task fails so that Spark retries it";
        LOG.error(deviceFailure, error);
        onDeviceLost.accept(this);
    }

    private static void fail(Batch batch, int from, int count, Throwable reason) {
        for (int i = from; i < from + count; i++) {
            batch.requests.get(i).result.completeExceptionally(reason);
        }
    }

    private static void failAll(Batch batch, int from, Throwable reason) {
        fail(batch, from, batch.requests.size() - from, reason);
    }

    private void logProgress(int batchSize) {
        long done = batches.incrementAndGet();
        long total = images.addAndGet(batchSize);
        if (done % logEveryBatches == 0) {
            long now = System.nanoTime();
            double rate = (total - imagesAtLastLog) / ((now - lastLog) / 1e9);
            LOG.info("{} on {}: {} images in {} batches; {} images/s over the last {} batches",
                    model.spec().architecture(), model.device(), total, done,
                    String.format(Locale.ROOT, "%.1f", rate), logEveryBatches);
            imagesAtLastLog = total;
            lastLog = now;
        }
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    // ---- lifecycle -------------------------------------------------------------------------------

    /**
     * Lets the queued work finish, stops both threads, and frees the model's native memory. If the
     * owner is still running after a minute (a hung device), the weights are not freed under it:
     * they are left to the process exit.
     *
     * @return whether the model's native memory was freed
     */
    boolean stopAndFree() {
        if (!stop()) {
            LOG.warn("the model owner on {} is still running after {} s; its weights are not freed under it",
                    model.device(), STOP_WAIT_SECONDS);
            return false;
        }
        try {
            model.close();
        } catch (RuntimeException e) { // after a device failure the engine may refuse even frees
            LOG.warn("freeing the model on {} failed: {}", model.device(), e.getMessage());
        }
        return true;
    }

    /**
     * Lets the queued work finish and stops both threads without freeing anything: for JVM exit,
     * where no thread may still use CUDA when its libraries tear down, and frees are pointless.
     *
     * @return whether the owner thread has ended
     */
    boolean stop() {
        synchronized (lifecycle) {
            if (!closed) {
                closed = true;
                try {
                    requests.put(STOP); // behind every queued request, which the assembler drains
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    assembler.interrupt();
                }
            }
        }
        try {
            owner.join(TimeUnit.SECONDS.toMillis(STOP_WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !owner.isAlive();
    }

    /** {@link #stopAndFree()}. */
    @Override
    public void close() {
        stopAndFree();
    }

    // ---- data ------------------------------------------------------------------------------------

    private record Request(byte[] pixels, int height, int width, PixelNormalization normalization,
            CompletableFuture<ModelOutput> result) {
        int bytes() {
            return pixels.length;
        }

        boolean fitsWith(Request other) {
            return height == other.height && width == other.width && normalization.equals(other.normalization);
        }
    }

    private record Batch(List<Request> requests, Slot slot) {}

    /** A reused direct buffer that carries one batch's pixels to the engine. */
    private static final class Slot {
        private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

        /** Copies the requests' pixels in, with room for {@code capacityImages} images of that size. */
        void fill(List<Request> batch, int capacityImages) {
            int imageBytes = batch.get(0).bytes();
            long needed = (long) capacityImages * imageBytes;
            if (buffer.capacity() < needed) {
                buffer = ByteBuffer.allocateDirect(Math.toIntExact(needed)); // grows rarely: per size and batch limit
            }
            for (int i = 0; i < batch.size(); i++) {
                buffer.put(i * imageBytes, batch.get(i).pixels);
            }
        }

        int capacityImages(int imageBytes) {
            return buffer.capacity() / imageBytes;
        }

        /** Images {@code from .. from + count}, as a buffer of exactly their bytes. */
        ByteBuffer view(int from, int count, int imageBytes) {
            return buffer.slice(from * imageBytes, count * imageBytes);
        }
    }
}
