/**
 * Spark SQL functions that score images with the ResNet, batched, on the transformer's
 * executor-resident model.
 *
 * <h2>Functions</h2>
 *
 * <ul>
 *   <li>{@code resnet_logits(image)}: {@code array<float>} of numClasses logits;
 *   <li>{@code resnet_topk(image, k)}: {@code array<struct<index:int,label:string,score:float>>},
 *       best first, score = softmax probability; k a constant integer &gt; 0 (5 when omitted);
 *   <li>{@code resnet_embedding(image)}: pooled penultimate features (512 or 2048 floats);
 *   <li>{@code resnet_error(image)}: {@code reason: message} when the image cannot be scored,
 *       else null.
 * </ul>
 *
 * <p>{@code image} is a binary column of encoded bytes ({@code binaryFile}'s {@code content},
 * Parquet) or Spark's image struct ({@code format("image")}). An invalid image gives null results
 * and its reason in {@code resnet_error}; a task fails when more than {@code
 * spark.resnet.maxInvalidFraction} of its rows are invalid. Wrong argument types, a k that is not
 * a constant &gt; 0, a wrong argument count and bad settings (an unknown {@code spark.resnet.arch})
 * fail at analysis, naming the function and the argument or setting.
 *
 * <h2>Settings</h2>
 *
 * Session settings ({@code SET key=value}, {@code --conf}, the session builder), read when a query
 * is analyzed: see {@link io.resnetspark.sql.ResNetSqlConf#KEYS} ({@code spark.resnet.weights},
 * {@code .arch} resnet50, {@code .numClasses} 1000, {@code .seed} 0, {@code .device} auto, {@code
 * .batchSize} 16, {@code .numThreads} 0, {@code .labels}, {@code .resizeSize} 256, {@code
 * .cropSize} 224, {@code .maxImagePixels}, {@code .maxInvalidFraction} 1.0).
 *
 * <h2>Installation</h2>
 *
 * <ul>
 *   <li>{@code spark.sql.extensions=io.resnetspark.sql.ResNetSqlExtensions} with the application
 *       jar (spark-sql, the Thrift server, PySpark, spark-submit): the functions plus an analyzer
 *       rule that batches them;
 *   <li>{@code ResNetSql.register(spark)} on a running session: the same functions; the batching
 *       rule goes into {@code spark.experimental().extraOptimizations()} because a running
 *       session's analyzer takes no new rules, so the rewrite happens after Spark's optimizer.
 * </ul>
 *
 * <h2>How calls are batched</h2>
 *
 * {@link io.resnetspark.sql.BatchScoringRule} works like Spark's extraction of Python UDFs: each
 * operator holding resolved calls gets, beneath it, the transformer's partition-wise scoring node
 * ({@code MapPartitions ResNetBatchScorer(...)} in EXPLAIN) over the columns it uses, and every
 * call becomes a reference to that node's output column. All calls on one image in one operator
 * share one forward pass; each distinct image expression gets its own pass.
 */
package io.resnetspark.sql;
