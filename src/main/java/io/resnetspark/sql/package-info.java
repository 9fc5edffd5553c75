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
 * Session settings ({@code SET key=value}, {@code --conf}, the session builder), {@code
 * spark.resnet.<name>} for each setting of {@link io.resnetspark.options.ScoringSettings}, read
 * when a query is optimized.
 *
 * <h2>Installation</h2>
 *
 * <ul>
 *   <li>{@code spark.sql.extensions=io.resnetspark.sql.ResNetSqlExtensions} with the application
 *       jar (spark-sql, the Thrift server, PySpark, spark-submit): the functions, an analysis
 *       check, the extraction rule and the planner strategy;
 *   <li>{@code ResNetSql.register(spark)} on a running session: the same functions; the rule goes
 *       into {@code spark.experimental().extraOptimizations()} and the strategy into its extra
 *       strategies.
 * </ul>
 *
 * <h2>How calls are batched</h2>
 *
 * Calls stay ordinary expressions ({@link io.resnetspark.sql.ResNetCall}) through analysis and
 * optimization, so Spark prunes unused ones and pushes filters on plain columns below them. Then
 * {@link io.resnetspark.sql.ExtractResNetCalls} works like Spark's {@code ExtractPythonUDFs}: each
 * operator holding calls gets, beneath it, a {@code ResNetScoring} node and every call becomes a
 * reference to that node's output column. All calls on one image share one forward pass.
 */
package io.resnetspark.sql;
