package io.resnetspark.spark;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.util.AccumulatorV2;

/** A Spark accumulator counting invalid rows per reason code. */
public final class ReasonCounts extends AccumulatorV2<String, Map<String, Long>> {

    private static final long serialVersionUID = 1L;

    private final TreeMap<String, Long> counts = new TreeMap<>();

    @Override
    public boolean isZero() {
        return counts.isEmpty();
    }

    @Override
    public ReasonCounts copy() {
        ReasonCounts copy = new ReasonCounts();
        synchronized (this) {
            copy.counts.putAll(counts);
        }
        return copy;
    }

    @Override
    public synchronized void reset() {
        counts.clear();
    }

    @Override
    public synchronized void add(String reason) {
        counts.merge(reason, 1L, Long::sum);
    }

    @Override
    public synchronized void merge(AccumulatorV2<String, Map<String, Long>> other) {
        other.value().forEach((reason, count) -> counts.merge(reason, count, Long::sum));
    }

    @Override
    public synchronized Map<String, Long> value() {
        return new TreeMap<>(counts);
    }
}
