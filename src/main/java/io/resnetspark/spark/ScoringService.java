package io.resnetspark.spark;

import io.resnetspark.model.InferenceResult;
import io.resnetspark.model.ResNetModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single owner of an executor's resident model. Task threads {@link #submit} preprocessed
 * images; one owner thread gathers them into batches across all tasks and runs the model, so the
 * model sees full batches even when each task contributes a few images at a time, and decoding in
 * the task threads overlaps with inference.
 *
 * <p>The request queue is bounded: when the model falls behind, submitting blocks, which is the
 * back-pressure that keeps task threads from decoding a whole partition into memory. A batch
 * holds images of one shape only; a request of another shape starts the next batch.
 */
public final class ScoringService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ScoringService.class);
    /** How long the owner waits for more images before running a partial batch. */
    private static final long LINGER_MILLIS = 20;
    private static final Request STOP = new Request(null, null, null);

    private final ResNetModel model;
    private final int logEveryBatches;
    private final BlockingQueue<Request> queue;
    private final Thread owner;
    private volatile int maxBatch;
    private volatile boolean closed;
    private Request carried;
    private long batches;
    private long images;
    private long imagesAtLastLog;
    private long lastLog = System.nanoTime();

    ScoringService(ResNetModel model, int maxBatch, int logEveryBatches) {
        this.model = model;
        this.maxBatch = maxBatch;
        this.logEveryBatches = logEveryBatches;
        this.queue = new ArrayBlockingQueue<>(Math.max(4 * maxBatch, 64));
        this.owner = new Thread(this::serve, "resnet-model-owner-" + model.device());
        owner.setDaemon(true);
        owner.start();
    }

    public ResNetModel model() {
        return model;
    }

    /** Raises the batch size to the largest any caller asked for. */
    void requestBatchSize(int batchSize) {
        if (batchSize > maxBatch) {
            maxBatch = batchSize;
        }
    }

    /**
     * Queues one preprocessed image (C x H x W values) and returns its future output. Blocks while
     * the queue is full.
     */
    public CompletableFuture<ModelOutput> submit(float[] chw, long[] chwShape) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("the model on " + model.device() + " has been released");
        }
        Request request = new Request(chw, chwShape, new CompletableFuture<>());
        queue.put(request);
        return request.result;
    }

    private void serve() {
        try {
            while (true) {
                List<Request> batch = nextBatch();
                if (batch == null) {
                    return;
                }
                run(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failPending(new IllegalStateException("the model owner stopped"));
        }
    }

    /** Blocks for a first request, then gathers same-shaped ones until full or the linger ends. */
    private List<Request> nextBatch() throws InterruptedException {
        Request first = carried != null ? carried : queue.take();
        carried = null;
        if (first == STOP) {
            return null;
        }
        int limit = maxBatch;
        List<Request> batch = new ArrayList<>(limit);
        batch.add(first);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
        while (batch.size() < limit) {
            Request next = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (next == null) {
                break;
            }
            if (next == STOP || !Arrays.equals(next.shape, first.shape)) {
                carried = next;
                break;
            }
            batch.add(next);
        }
        return batch;
    }

    private void run(List<Request> batch) {
        long[] shape = batch.get(0).shape;
        int imageSize = batch.get(0).chw.length;
        float[] input = new float[imageSize * batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(batch.get(i).chw, 0, input, i * imageSize, imageSize);
        }
        try {
            long start = System.nanoTime();
            InferenceResult result = model.forward(input, new long[] {batch.size(), shape[0], shape[1], shape[2]});
            long share = (System.nanoTime() - start) / batch.size();
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result.complete(new ModelOutput(result.logitsOf(i), result.featuresOf(i), share, i == 0));
            }
            logProgress(batch.size());
        } catch (RuntimeException | Error e) {
            LOG.error("inference failed for a batch of {} on {}", batch.size(), model.device(), e);
            for (Request request : batch) {
                request.result.completeExceptionally(e);
            }
        }
    }

    private void logProgress(int batchSize) {
        batches++;
        images += batchSize;
        if (batches % logEveryBatches == 0) {
            long now = System.nanoTime();
            double rate = (images - imagesAtLastLog) / ((now - lastLog) / 1e9);
            LOG.info("{} on {}: {} images in {} batches; {} images/s over the last {} batches",
                    model.spec().architecture(), model.device(), images, batches,
                    String.format(java.util.Locale.ROOT, "%.1f", rate), logEveryBatches);
            imagesAtLastLog = images;
            lastLog = now;
        }
    }

    private void failPending(RuntimeException reason) {
        List<Request> rest = new ArrayList<>();
        queue.drainTo(rest);
        if (carried != null) {
            rest.add(carried);
        }
        for (Request request : rest) {
            if (request != STOP) {
                request.result.completeExceptionally(reason);
            }
        }
    }

    /** Stops the owner thread after the queued work and frees the model. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            queue.put(STOP);
            owner.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        model.close();
    }

    private record Request(float[] chw, long[] shape, CompletableFuture<ModelOutput> result) {}
}
