package io.resnetspark.spark;

import io.resnetspark.image.PreprocessConfig;
import java.io.Serializable;

/**
 * Everything a task needs to score a partition, resolved on the driver from the transformer's
 * params: plain values only, so tasks never serialize the transformer itself.
 *
 * @param inputIndex position of the image column in the input rows
 * @param rowNameIndex position of a column that names a row in error messages (a path), or -1
 * @param mean per-channel mean, or null for no normalisation (std likewise)
 * @param topK classes in the top-k column, 0 for none
 * @param labels class names for the top-k column, or null for index-only entries
 * @param metrics counters the run reports, or null
 */
record ScoringPlan(
        int inputIndex,
        InputKind inputKind,
        int rowNameIndex,
        ModelSource model,
        int batchSize,
        int resizeShortSide,
        int cropHeight,
        int cropWidth,
        float[] mean,
        float[] std,
        long maxImagePixels,
        boolean probabilities,
        int topK,
        String[] labels,
        boolean embedding,
        InvalidRowPolicy invalidRows,
        double maxInvalidFraction,
        int logEveryBatches,
        ScoringMetrics metrics,
        HadoopConf hadoopConf)
        implements Serializable {

    PreprocessConfig preprocessing() {
        return new PreprocessConfig(resizeShortSide, cropHeight, cropWidth, mean, std);
    }

    boolean errorColumn() {
        return invalidRows == InvalidRowPolicy.KEEP;
    }
}
