package io.resnetspark.spark;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;

/** The values of one image's outputs, as Catalyst stores them, in the order of {@link ScoringOutputs}. */
final class OutputValues {

    private final List<ScoringOutputs.Kind> kinds;
    private final int topK;
    private final boolean softmax;
    private final String[] labels;

    OutputValues(ScoringOutputs outputs, String[] labels) {
        this.kinds = outputs.kinds();
        this.topK = outputs.topK();
        this.softmax = outputs.needsSoftmax();
        this.labels = labels;
    }

    /** The values for a scored image ({@code output} set) or an invalid one ({@code error} set). */
    InternalRow row(ModelOutput output, String error) {
        Object[] values = new Object[kinds.size()];
        float[] probabilities = output != null && softmax ? softmax(output.logits()) : null;
        for (int i = 0; i < values.length; i++) {
            ScoringOutputs.Kind kind = kinds.get(i);
            if (kind == ScoringOutputs.Kind.ERROR) {
                values[i] = error == null ? null : UTF8String.fromString(error);
            } else if (output != null) {
                values[i] = value(kind, output, probabilities);
            }
        }
        return new GenericInternalRow(values);
    }

    private Object value(ScoringOutputs.Kind kind, ModelOutput output, float[] probabilities) {
        switch (kind) {
            case LOGITS:
                return UnsafeArrayData.fromPrimitiveArray(output.logits());
            case PROBABILITIES:
                return UnsafeArrayData.fromPrimitiveArray(probabilities);
            case TOP_K:
                return topK(output.logits(), probabilities);
            default:
                return UnsafeArrayData.fromPrimitiveArray(output.features());
        }
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] exp = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            exp[i] = Math.exp(logits[i] - max);
            sum += exp[i];
        }
        float[] probabilities = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            probabilities[i] = (float) (exp[i] / sum);
        }
        return probabilities;
    }

    /** The k best classes, best first, scored by softmax probability; ties keep the lower index. */
    private GenericArrayData topK(float[] logits, float[] probabilities) {
        Integer[] order = new Integer[logits.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        Object[] best = new Object[Math.min(topK, logits.length)];
        for (int i = 0; i < best.length; i++) {
            int index = order[i];
            UTF8String label = labels == null ? null : UTF8String.fromString(labels[index]);
            best[i] = new GenericInternalRow(new Object[] {index, label, probabilities[index]});
        }
        return new GenericArrayData(best);
    }
}
