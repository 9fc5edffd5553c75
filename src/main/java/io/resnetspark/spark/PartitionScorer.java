package io.resnetspark.spark;

import io.resnetspark.image.InvalidImageException;
import io.resnetspark.image.Preprocessor;
import io.resnetspark.image.RgbImage;
import io.resnetspark.options.ScoringSettings;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.StructType;

/**
 * Scores one partition of Catalyst rows: decodes and preprocesses each row's image in the task
 * thread, hands the pixels to the executor's model owner, and emits each input row joined with its
 * outputs, in input order, as the outputs arrive. A window of rows is in flight at once so that
 * decoding the next images overlaps with inference of the previous ones, and memory stays bounded
 * however long the partition is.
 */
public final class PartitionScorer {

    private final ScoringTask task;
    private final StructType outputSchema;

    /**
     * @param outputSchema the input columns followed by the output columns, as the plan node
     *     declares them
     */
    public PartitionScorer(ScoringTask task, StructType outputSchema) {
        this.task = task;
        this.outputSchema = outputSchema;
    }

    /** The scored rows of one partition, lazily. */
    public Iterator<InternalRow> score(Iterator<InternalRow> rows) {
        return new ScoredRows(rows, task, UnsafeProjection.create(outputSchema));
    }

    /** The lazily scored rows of one partition. */
    private static final class ScoredRows implements Iterator<InternalRow> {

        private final Iterator<InternalRow> input;
        private final ScoringTask task;
        private final UnsafeProjection project;
        private final JoinedRow joined = new JoinedRow();
        private final ImageColumn images;
        private final Preprocessor preprocessor;
        private final int window;
        private final OutputValues values;
        private final InvalidRowPolicy invalidRows;
        private final Deque<Pending> pending = new ArrayDeque<>();
        private final Map<String, Long> invalidByReason = new TreeMap<>();
        private final ScoringMetrics metrics;
        private ScoringService service;
        private long rowsRead;
        private long invalidCount;
        /** When the last row was handed downstream; the time until the next call is downstream's. */
        private long handedOutAt;

        ScoredRows(Iterator<InternalRow> input, ScoringTask task, UnsafeProjection project) {
            this.input = input;
            this.task = task;
            this.project = project;
            StructType schema = task.inputSchema();
            int image = task.imageOrdinal();
            this.images = new ImageColumn(image, schema.fields()[image].name(), schema.fields()[image].dataType(),
                    task.options().get(ScoringSettings.MAX_IMAGE_PIXELS), task.options().highBitDepth(), task.hadoopConf());
            this.preprocessor = new Preprocessor(task.options().preprocessing());
            this.window = Math.max(8, 2 * task.options().get(ScoringSettings.BATCH_SIZE));
            this.values = new OutputValues(task.outputs(), task.labels());
            this.invalidRows = task.invalidRows();
            this.metrics = task.metrics();
        }

        @Override
        public boolean hasNext() {
            if (handedOutAt != 0) {
                metrics.downstreamNanos.add(System.nanoTime() - handedOutAt);
                handedOutAt = 0;
            }
            fill();
            if (pending.isEmpty()) {
                checkBudget();
                return false;
            }
            return true;
        }

        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Pending head = pending.poll();
            InternalRow outputs;
            if (head.output == null) {
                outputs = values.row(null, head.error);
            } else {
                ModelOutput output = await(head);
                // Each image carries its share of its batch's forward time, and the first image of a
                // batch counts the batch.
                metrics.inferenceNanos.add(output.inferenceNanos());
                metrics.scored.add(1);
                if (output.firstInBatch()) {
                    metrics.batches.add(1);
                }
                outputs = values.row(output, null);
            }
            InternalRow out = project.apply(joined.apply(head.row, outputs));
            handedOutAt = System.nanoTime();
            return out;
        }

        /** Reads ahead until the window is full or the partition ends. */
        private void fill() {
            while (pending.size() < window) {
                long t0 = System.nanoTime();
                if (!input.hasNext()) {
                    break;
                }
                // The child may reuse its row object; a row waiting in the window needs its own copy.
                InternalRow row = input.next().copy();
                rowsRead++;
                try {
                    long t1 = System.nanoTime();
                    RgbImage image = images.read(row);
                    long t2 = System.nanoTime();
                    RgbImage pixels = preprocessor.resizeAndCrop(image); // uint8: the engine normalizes
                    long t3 = System.nanoTime();
                    metrics.readNanos.add(t1 - t0);
                    metrics.decodeNanos.add(t2 - t1);
                    metrics.preprocessNanos.add(t3 - t2);
                    pending.add(new Pending(row, service().submit(pixels, preprocessor.config()), null));
                } catch (InvalidImageException e) {
                    recordInvalid(row, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the model", e);
                }
            }
        }

        private void recordInvalid(InternalRow row, InvalidImageException e) {
            invalidCount++;
            metrics.invalid.add(1);
            invalidByReason.merge(e.reason(), 1L, Long::sum);
            String reason = e.reason() + ": " + e.getMessage();
            switch (invalidRows) {
                case ERROR:
                    throw new InvalidRowException("cannot score " + describe(row) + ": " + reason
                            + " (handleInvalid=error; use keep or skip to go on past bad images)", e);
                case KEEP:
                    pending.add(new Pending(row, null, reason));
                    break;
                default: // SKIP: the row is dropped
                    break;
            }
        }

        private ScoringService service() {
            if (service == null) {
                service = ExecutorModelHost.serviceFor(task.model(), task.options().get(ScoringSettings.BATCH_SIZE),
                        task.options().get(ScoringSettings.LOG_EVERY_BATCHES), task.hadoopConf());
            }
            return service;
        }

        private static ModelOutput await(Pending pending) {
            try {
                return pending.output.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the model", e);
            } catch (ExecutionException e) {
                // The model itself failed (not one image): the task fails and Spark retries it.
                throw new IllegalStateException("inference failed: " + e.getCause().getMessage(), e.getCause());
            }
        }

        /** Fails the task when the share of invalid rows exceeds the budget. */
        private void checkBudget() {
            double budget = task.options().get(ScoringSettings.MAX_INVALID_FRACTION);
            if (rowsRead > 0 && invalidCount > budget * rowsRead) {
                TaskContext context = TaskContext.get();
                throw new InvalidRowException(String.format(Locale.ROOT,
                        "%d of %d rows in partition %d are invalid (%.1f%%), more than maxInvalidFraction=%s allows;"
                                + " reasons: %s",
                        invalidCount, rowsRead, context == null ? -1 : context.partitionId(),
                        100.0 * invalidCount / rowsRead, budget, invalidByReason), null);
            }
        }

        private String describe(InternalRow row) {
            String image = images.describe(row);
            if (image != null) {
                return "row '" + image + "'";
            }
            int name = task.rowNameOrdinal();
            if (name >= 0 && !row.isNullAt(name)) {
                return "row '" + row.get(name, task.inputSchema().fields()[name].dataType()) + "'";
            }
            TaskContext context = TaskContext.get();
            return "row " + rowsRead + " of partition " + (context == null ? "?" : context.partitionId());
        }
    }

    private record Pending(InternalRow row, CompletableFuture<ModelOutput> output, String error) {}
}
