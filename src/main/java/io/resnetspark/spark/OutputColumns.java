package io.resnetspark.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The columns the scorer appends, their types, and their values for one row: logits, then the
 * optional probabilities, top-k and embedding, then the error (keep mode only).
 */
public final class OutputColumns {

    /** Logits, probabilities and embeddings: {@code array<float>}. */
    public static final DataType FLOAT_ARRAY = DataTypes.createArrayType(DataTypes.FloatType, false);
    /** One top-k entry: {@code struct<index:int,label:string,score:float>}. */
    public static final StructType TOP_K_ENTRY = new StructType()
            .add("index", DataTypes.IntegerType, false)
            .add("label", DataTypes.StringType, true)
            .add("score", DataTypes.FloatType, false);
    /** The top-k column: {@code array<struct<index:int,label:string,score:float>>}. */
    public static final DataType TOP_K = DataTypes.createArrayType(TOP_K_ENTRY, false);

    private OutputColumns() {}

    /** The output column names in order, for names set (non-empty). */
    static StructType append(StructType input, String logits, String probabilities, String topK,
            String embedding, String error) {
        StructType out = input.add(logits, FLOAT_ARRAY, true);
        if (!probabilities.isEmpty()) {
            out = out.add(probabilities, FLOAT_ARRAY, true);
        }
        if (!topK.isEmpty()) {
            out = out.add(topK, TOP_K, true);
        }
        if (!embedding.isEmpty()) {
            out = out.add(embedding, FLOAT_ARRAY, true);
        }
        if (!error.isEmpty()) {
            out = out.add(error, DataTypes.StringType, true);
        }
        return out;
    }

    /** The input row with the output values appended; {@code output} null for an invalid row. */
    static Row row(Row input, ScoringPlan plan, ModelOutput output, String error) {
        List<Object> values = new ArrayList<>(input.size() + 5);
        for (int i = 0; i < input.size(); i++) {
            values.add(input.get(i));
        }
        values.add(output == null ? null : output.logits());
        float[] probabilities = output != null && (plan.probabilities() || plan.topK() > 0)
                ? softmax(output.logits()) : null;
        if (plan.probabilities()) {
            values.add(probabilities);
        }
        if (plan.topK() > 0) {
            values.add(output == null ? null : topK(output.logits(), probabilities, plan.topK(), plan.labels()));
        }
        if (plan.embedding()) {
            values.add(output == null ? null : output.features());
        }
        if (plan.errorColumn()) {
            values.add(error);
        }
        return RowFactory.create(values.toArray());
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
    static Row[] topK(float[] logits, float[] probabilities, int k, String[] labels) {
        Integer[] order = new Integer[logits.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        Row[] best = new Row[Math.min(k, logits.length)];
        for (int i = 0; i < best.length; i++) {
            int index = order[i];
            best[i] = RowFactory.create(index, labels == null ? null : labels[index], probabilities[index]);
        }
        return best;
    }
}
