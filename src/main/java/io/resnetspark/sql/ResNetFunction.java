package io.resnetspark.sql;

import io.resnetspark.spark.OutputColumns;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** The SQL functions this package adds, their names and result types. */
public enum ResNetFunction {
    /** {@code resnet_logits(image)}: {@code array<float>} of numClasses logits. */
    LOGITS("resnet_logits", "resnet_logits(image) - the ResNet logits of an image (binary bytes or image struct), array<float>"),
    /** {@code resnet_topk(image, k)}: the k best classes, best first, score = softmax probability. */
    TOPK("resnet_topk", "resnet_topk(image, k) - the k best classes of an image, array<struct<index:int,label:string,score:float>>"),
    /** {@code resnet_embedding(image)}: pooled penultimate features, {@code array<float>}. */
    EMBEDDING("resnet_embedding", "resnet_embedding(image) - the pooled penultimate features of an image, array<float>"),
    /** {@code resnet_error(image)}: why an image could not be scored, null when it was. */
    ERROR("resnet_error", "resnet_error(image) - why the image cannot be scored (reason: message), or null");

    static final DataType FLOAT_ARRAY = OutputColumns.FLOAT_ARRAY;
    static final DataType TOP_K = OutputColumns.TOP_K;

    private final String sqlName;
    private final String usage;

    ResNetFunction(String sqlName, String usage) {
        this.sqlName = sqlName;
        this.usage = usage;
    }

    public String sqlName() {
        return sqlName;
    }

    public String usage() {
        return usage;
    }

    public DataType dataType() {
        switch (this) {
            case TOPK:
                return TOP_K;
            case ERROR:
                return DataTypes.StringType;
            default:
                return FLOAT_ARRAY;
        }
    }
}
