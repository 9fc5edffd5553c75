package io.resnetspark.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Which values one scoring pass produces for each image, in the fixed order of {@link Kind}: the
 * transformer asks for logits, the optional columns and the error; the SQL functions for what
 * their calls on one image use.
 */
public final class ScoringOutputs implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Logits, probabilities and embeddings: {@code array<float>}. */
    public static final DataType FLOAT_ARRAY = DataTypes.createArrayType(DataTypes.FloatType, false);
    /** One top-k entry: {@code struct<index:int,label:string,score:float>}. */
    public static final StructType TOP_K_ENTRY = new StructType()
            .add("index", DataTypes.IntegerType, false)
            .add("label", DataTypes.StringType, true)
            .add("score", DataTypes.FloatType, false);
    /** The top-k column: {@code array<struct<index:int,label:string,score:float>>}. */
    public static final DataType TOP_K_TYPE = DataTypes.createArrayType(TOP_K_ENTRY, false);

    /** One value per image. */
    public enum Kind {
        /** The numClasses logits. */
        LOGITS(FLOAT_ARRAY),
        /** Softmax of the logits. */
        PROBABILITIES(FLOAT_ARRAY),
        /** The k best classes, best first, score = probability. */
        TOP_K(TOP_K_TYPE),
        /** The pooled penultimate features. */
        EMBEDDING(FLOAT_ARRAY),
        /** Why the image was not scored ({@code reason: message}), null when it was. */
        ERROR(DataTypes.StringType);

        private final DataType dataType;

        Kind(DataType dataType) {
            this.dataType = dataType;
        }

        public DataType dataType() {
            return dataType;
        }
    }

    private final EnumSet<Kind> kinds;
    private final int topK;

    private ScoringOutputs(EnumSet<Kind> kinds, int topK) {
        if (kinds.contains(Kind.TOP_K) != (topK > 0)) {
            throw new IllegalArgumentException("top-k needs k > 0 and k only goes with top-k, got " + kinds + " k=" + topK);
        }
        this.kinds = kinds;
        this.topK = topK;
    }

    /** Nothing yet; add kinds with {@link #with}. */
    public static ScoringOutputs none() {
        return new ScoringOutputs(EnumSet.noneOf(Kind.class), 0);
    }

    /** These outputs plus {@code kind} (not TOP_K). */
    public ScoringOutputs with(Kind kind) {
        if (kind == Kind.TOP_K) {
            throw new IllegalArgumentException("top-k needs its k: use withTopK");
        }
        EnumSet<Kind> more = EnumSet.noneOf(Kind.class);
        more.addAll(kinds);
        more.add(kind);
        return new ScoringOutputs(more, topK);
    }

    /** These outputs plus the top {@code k} classes. */
    public ScoringOutputs withTopK(int k) {
        EnumSet<Kind> more = EnumSet.noneOf(Kind.class);
        more.addAll(kinds);
        more.add(Kind.TOP_K);
        return new ScoringOutputs(more, k);
    }

    /** The kinds, in output order. */
    public List<Kind> kinds() {
        return new ArrayList<>(kinds);
    }

    public boolean has(Kind kind) {
        return kinds.contains(kind);
    }

    /** k of the top-k output, 0 without one. */
    public int topK() {
        return topK;
    }

    /** Whether the probabilities must be computed (asked for, or the scores of the top-k). */
    boolean needsSoftmax() {
        return kinds.contains(Kind.PROBABILITIES) || kinds.contains(Kind.TOP_K);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ScoringOutputs that && kinds.equals(that.kinds) && topK == that.topK;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kinds, topK);
    }

    /** {@code logits, topK(5), error}. */
    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        for (Kind kind : kinds) {
            String name = kind == Kind.TOP_K ? "topK(" + topK + ")" : kind.name().toLowerCase(Locale.ROOT);
            names.add(name);
        }
        return String.join(", ", names);
    }
}
