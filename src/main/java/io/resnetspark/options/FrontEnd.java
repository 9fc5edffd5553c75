package io.resnetspark.options;

/** The three ways users configure scoring; each spells a setting its own way. */
public enum FrontEnd {
    /** Spark ML params of {@code ResNetTransformer}: {@code batchSize}. */
    TRANSFORMER,
    /** Spark SQL session settings: {@code spark.resnet.batchSize}. */
    SQL,
    /** The batch job's HOCON keys: {@code model.batch-size}. */
    JOB
}
