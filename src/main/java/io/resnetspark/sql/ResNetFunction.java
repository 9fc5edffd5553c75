package io.resnetspark.sql;

import io.resnetspark.spark.ScoringOutputs;
import org.apache.spark.sql.types.DataType;

/** The SQL functions this package adds, their names and result types. */
public enum ResNetFunction {
    /** {@code resnet_logits(image)}: {@code array<float>} of numClasses logits. */
    LOGITS("resnet_logits", ScoringOutputs.Kind.LOGITS,
            "resnet_logits(image) - the ResNet logits of an image (binary bytes or image struct), array<float>"),
    /** {@code resnet_topk(image, k)}: the k best classes, best first, score = softmax probability. */
    TOPK("resnet_topk", ScoringOutputs.Kind.TOP_K,
            "resnet_topk(image, k) - the k best classes of an image, array<struct<index:int,label:string,score:float>>"),
    /** {@code resnet_embedding(image)}: pooled penultimate features, {@code array<float>}. */
    EMBEDDING("resnet_embedding", ScoringOutputs.Kind.EMBEDDING,
            "resnet_embedding(image) - the pooled penultimate features of an image, array<float>"),
    /** {@code resnet_error(image)}: why an image could not be scored, null when it was. */
    ERROR("resnet_error", ScoringOutputs.Kind.ERROR,
            "resnet_error(image) - why the image cannot be scored (reason: message), or null");

    private final String sqlName;
    private final ScoringOutputs.Kind output;
    private final String usage;

    ResNetFunction(String sqlName, ScoringOutputs.Kind output, String usage) {
        this.sqlName = sqlName;
        this.output = output;
        this.usage = usage;
    }

    /** The output of a scoring pass this function returns. */
    public ScoringOutputs.Kind output() {
        return output;
    }

    public String sqlName() {
        return sqlName;
    }

    public String usage() {
        return usage;
    }

    public DataType dataType() {
        return output.dataType();
    }
}
