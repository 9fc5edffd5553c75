/**
 * The scoring settings, defined once: each {@link io.resnetspark.options.Setting} carries its
 * name, type, default, validation and documentation, and the three front ends derive their
 * spellings from it: the transformer's param ({@code batchSize}), the Spark SQL session setting
 * ({@code spark.resnet.batchSize}) and the job's HOCON key ({@code model.batch-size}).
 * {@link io.resnetspark.options.ScoringSettings} is the table of all settings and {@link
 * io.resnetspark.options.ScoringOptions} one validated set of values.
 */
package io.resnetspark.options;
