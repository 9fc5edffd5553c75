package io.resnetspark.spark;

import io.resnetspark.image.InvalidImageException;
import io.resnetspark.image.Preprocessor;
import io.resnetspark.image.RgbImage;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * Scores one partition: decodes and preprocesses each row in the task thread, hands the pixels to
 * the executor's model owner, and emits the rows in their input order as their outputs arrive.
 * A window of rows is in flight at once so that decoding the next images overlaps with inference
 * of the previous ones, and memory stays bounded however long the partition is.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    private final ScoringPlan plan;

    PartitionScorer(ScoringPlan plan) {
        this.plan = plan;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new ScoredRows(rows, plan);
    }

    /**
     * This scorer as the Scala function Spark's MapPartitions node holds, so that EXPLAIN prints
     * {@link #toString()} (the Java overload of mapPartitions wraps it in an anonymous lambda).
     */
    scala.Function1<scala.collection.Iterator<Row>, scala.collection.Iterator<Row>> asScalaFunction() {
        return new ScalaFunction(this);
    }

    private static final class ScalaFunction
            extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Row>, scala.collection.Iterator<Row>>
            implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final PartitionScorer scorer;

        ScalaFunction(PartitionScorer scorer) {
            this.scorer = scorer;
        }

        @Override
        public scala.collection.Iterator<Row> apply(scala.collection.Iterator<Row> rows) {
            return scala.collection.JavaConverters.asScalaIterator(scorer.call(scala.collection.JavaConverters.asJavaIterator(rows)));
        }

        @Override
        public String toString() {
            return scorer.toString();
        }
    }

    /** How EXPLAIN shows the batched scoring node (MapPartitions prints its function). */
    @Override
    public String toString() {
        StringBuilder outputs = new StringBuilder("logits");
        if (plan.probabilities()) {
            outputs.append(", probabilities");
        }
        if (plan.topK() > 0) {
            outputs.append(", topK(").append(plan.topK()).append(')');
        }
        if (plan.embedding()) {
            outputs.append(", embedding");
        }
        return "ResNetBatchScorer(" + plan.model().architecture() + ", classes=" + plan.model().numClasses()
                + ", weights=" + shortFingerprint() + ", device=" + plan.model().device()
                + ", batchSize=" + plan.batchSize() + ", outputs=[" + outputs + "], invalid=" + plan.invalidRows() + ")";
    }

    private String shortFingerprint() {
        String fingerprint = plan.model().fingerprint();
        return fingerprint.length() > 19 ? fingerprint.substring(0, 19) + "..." : fingerprint;
    }

    /** The lazily scored rows of one partition. */
    private static final class ScoredRows implements Iterator<Row> {

        private final Iterator<Row> input;
        private final ScoringPlan plan;
        private final RowImageReader images;
        private final Preprocessor preprocessor;
        private final int window;
        private final Deque<Pending> pending = new ArrayDeque<>();
        private final Map<String, Long> invalidByReason = new TreeMap<>();
        private final ScoringMetrics metrics;
        private ScoringService service;
        private long rowsRead;
        private long invalidRows;
        /** When the last row was handed downstream; the time until the next call is the writer's. */
        private long handedOutAt;

        ScoredRows(Iterator<Row> input, ScoringPlan plan) {
            this.input = input;
            this.plan = plan;
            this.images = new RowImageReader(plan.inputIndex(), plan.inputKind(), plan.maxImagePixels(),
                    plan.hadoopConf().get());
            this.preprocessor = new Preprocessor(plan.preprocessing());
            this.window = Math.max(8, 2 * plan.batchSize());
            this.metrics = plan.metrics();
        }

        @Override
        public boolean hasNext() {
            if (handedOutAt != 0 && metrics != null) {
                metrics.writeNanos.add(System.nanoTime() - handedOutAt);
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
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Pending head = pending.poll();
            Row out;
            if (head.output == null) {
                out = OutputColumns.row(head.row, plan, null, head.error);
            } else {
                ModelOutput output = await(head);
                if (metrics != null) {
                    // Each image carries its share of its batch's forward time.
                    metrics.inferenceNanos.add(output.inferenceNanos());
                }
                out = OutputColumns.row(head.row, plan, output, null);
            }
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
                Row row = input.next();
                rowsRead++;
                try {
                    long t1 = System.nanoTime();
                    RgbImage image = images.read(row);
                    long t2 = System.nanoTime();
                    RgbImage pixels = preprocessor.resizeAndCrop(image); // uint8: the engine normalizes
                    long t3 = System.nanoTime();
                    if (metrics != null) {
                        metrics.readNanos.add(t1 - t0);
                        metrics.decodeNanos.add(t2 - t1);
                        metrics.preprocessNanos.add(t3 - t2);
                    }
                    pending.add(new Pending(row, service().submit(pixels, preprocessor.config()), null));
                } catch (InvalidImageException e) {
                    recordInvalid(row, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the model", e);
                }
            }
        }

        private void recordInvalid(Row row, InvalidImageException e) {
            invalidRows++;
            invalidByReason.merge(e.reason(), 1L, Long::sum);
            String reason = e.reason() + ": " + e.getMessage();
            switch (plan.invalidRows()) {
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
                service = ExecutorModelHost.serviceFor(plan.model(), plan.batchSize(), plan.logEveryBatches(),
                        plan.hadoopConf().get());
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
            if (rowsRead > 0 && invalidRows > plan.maxInvalidFraction() * rowsRead) {
                TaskContext task = TaskContext.get();
                throw new InvalidRowException(String.format(java.util.Locale.ROOT,
                        "%d of %d rows in partition %d are invalid (%.1f%%), more than maxInvalidFraction=%s allows;"
                                + " reasons: %s",
                        invalidRows, rowsRead, task == null ? -1 : task.partitionId(),
                        100.0 * invalidRows / rowsRead, plan.maxInvalidFraction(), invalidByReason), null);
            }
        }

        private String describe(Row row) {
            int input = plan.inputIndex();
            if (plan.inputKind() == InputKind.PATH && !row.isNullAt(input)) {
                return "row '" + row.getString(input) + "'";
            }
            if (plan.inputKind() == InputKind.IMAGE_STRUCT && !row.isNullAt(input)) {
                return "row '" + row.getStruct(input).getAs("origin") + "'";
            }
            if (plan.rowNameIndex() >= 0 && !row.isNullAt(plan.rowNameIndex())) {
                return "row '" + row.get(plan.rowNameIndex()) + "'";
            }
            TaskContext task = TaskContext.get();
            return "row " + rowsRead + " of partition " + (task == null ? "?" : task.partitionId());
        }
    }

    private record Pending(Row row, CompletableFuture<ModelOutput> output, String error) {}
}
