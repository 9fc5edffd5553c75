package io.resnetspark.spark.plan;

import io.resnetspark.options.ScoringOptions;
import io.resnetspark.spark.PartitionScorer;
import io.resnetspark.spark.ScoringMetrics;
import io.resnetspark.spark.ScoringOutputs;
import io.resnetspark.spark.ScoringTask;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.apache.spark.sql.types.StructType;
import scala.reflect.ClassTag$;

/**
 * The physical scoring operator: each partition of the child's rows goes through a {@link
 * PartitionScorer} (decode and preprocess in the task thread, batched inference on the
 * executor's resident model), as Catalyst rows. The weights' fingerprint and the labels are
 * resolved when the node executes, on the driver, once per execution.
 *
 * <p>Metrics (Spark UI, {@code executedPlan().metrics()}): images scored, invalid images,
 * batches, inference time and the time spent reading, decoding and preprocessing.
 */
public final class ResNetScoringExec extends UnaryPhysicalNode {

    private static final long serialVersionUID = 1L;

    private final ScoringFields fields;
    private final SparkPlan child;
    private final ScoringMetrics metrics;
    private transient scala.collection.immutable.Map<String, SQLMetric> metricMap;

    /** @param metrics the logical node's metrics, which this node reports */
    public ResNetScoringExec(ScoringOptions options, ScoringOutputs outputs, Attribute image,
            scala.collection.Seq<Attribute> results, SparkPlan child, ScoringMetrics metrics) {
        this.fields = new ScoringFields(options, outputs, image, ScalaInterop.list(results));
        this.child = child;
        this.metrics = metrics;
    }

    @Override
    public SparkPlan child() {
        return child;
    }

    @Override
    public ResNetScoringExec withChild(SparkPlan newChild) {
        return new ResNetScoringExec(fields.options(), fields.outputs(), fields.image(), ScalaInterop.seq(fields.results()),
                newChild, metrics);
    }

    @Override
    public scala.collection.immutable.Seq<Attribute> output() {
        return fields.output(child.output());
    }

    @Override
    public AttributeSet producedAttributes() {
        return fields.produced();
    }

    @Override
    public scala.collection.immutable.Map<String, SQLMetric> metrics() {
        if (metricMap == null) {
            scala.collection.immutable.Map<String, SQLMetric> map = scala.collection.immutable.Map$.MODULE$.empty();
            for (Map.Entry<String, SQLMetric> entry : metrics.byName().entrySet()) {
                map = map.updated(entry.getKey(), entry.getValue());
            }
            metricMap = map;
        }
        return metricMap;
    }

    @Override
    public RDD<InternalRow> doExecute() {
        List<Attribute> input = ScalaInterop.list(child.output());
        int imageOrdinal = -1;
        for (int i = 0; i < input.size(); i++) {
            if (input.get(i).exprId().equals(fields.image().exprId())) {
                imageOrdinal = i;
            }
        }
        if (imageOrdinal < 0) {
            throw new IllegalStateException("the image column " + fields.image() + " is not among the child's columns " + input);
        }
        StructType inputSchema = schemaOf(input);
        ScoringTask task = ScoringTask.prepare(fields.options(), fields.outputs(), inputSchema, imageOrdinal,
                session().sessionState().newHadoopConf(), metrics);
        ScorePartition score = new ScorePartition(task, schemaOf(ScalaInterop.list(output())));
        return child.execute().mapPartitions(score, false, ClassTag$.MODULE$.apply(InternalRow.class));
    }

    private static StructType schemaOf(List<Attribute> attributes) {
        StructType schema = new StructType();
        for (Attribute a : attributes) {
            schema = schema.add(a.name(), a.dataType(), a.nullable());
        }
        return schema;
    }

    /** The per-partition function: plain values only, so the plan is never serialized into tasks. */
    private static final class ScorePartition
            extends scala.runtime.AbstractFunction1<scala.collection.Iterator<InternalRow>, scala.collection.Iterator<InternalRow>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final ScoringTask task;
        private final StructType outputSchema;

        ScorePartition(ScoringTask task, StructType outputSchema) {
            this.task = task;
            this.outputSchema = outputSchema;
        }

        @Override
        public scala.collection.Iterator<InternalRow> apply(scala.collection.Iterator<InternalRow> rows) {
            return ScalaInterop.scalaIterator(new PartitionScorer(task, outputSchema).score(ScalaInterop.javaIterator(rows)));
        }
    }

    @Override
    public int productArity() {
        return ScoringFields.ARITY;
    }

    @Override
    public Object productElement(int n) {
        return fields.element(n, child);
    }

    /** The metrics travel with copies of the node; Catalyst copies nodes through their constructor. */
    @Override
    public scala.collection.immutable.Seq<Object> otherCopyArgs() {
        return ScalaInterop.seq(List.of(metrics));
    }

    @Override
    public boolean canEqual(Object that) {
        return that instanceof ResNetScoringExec;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ResNetScoringExec that && fields.equals(that.fields) && child.equals(that.child);
    }

    @Override
    public int hashCode() {
        return fields.hash(child);
    }

    @Override
    public String simpleString(int maxFields) {
        return fields.describe(nodeName());
    }
}
