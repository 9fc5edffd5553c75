package io.resnetspark.spark.plan;

import io.resnetspark.options.ScoringOptions;
import io.resnetspark.spark.ScoringMetrics;
import io.resnetspark.spark.ScoringOutputs;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.NamedExpression$;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.Metadata;

/**
 * The logical scoring operator: the child's rows, each with the outputs of one forward pass over
 * its image (logits, probabilities, top-k, embedding, error: {@link ScoringOutputs}), computed by
 * the executor's resident model in batches. Its output is the child's columns followed by one
 * column per output; it keeps every row ({@code handleInvalid=skip} excepted, for the transformer).
 * It is planned by {@link ResNetScoringStrategy} as {@link ResNetScoringExec}.
 *
 * <p>The SQL functions become this node late in the optimizer ({@code ExtractResNetCalls}), after
 * column pruning and filter push-down have run on ordinary expressions; the transformer builds it
 * directly.
 */
public final class ResNetScoring extends UnaryLogicalNode {

    private static final long serialVersionUID = 1L;

    private final ScoringFields fields;
    private final LogicalPlan child;
    /** The SQL metrics the physical node reports (whoever built this node may read them afterwards). */
    private final ScoringMetrics metrics;

    /**
     * The constructor Catalyst copies the node with (product elements, then the metrics).
     *
     * @param image the child's image column
     * @param results one attribute per output, in the order of {@code outputs.kinds()}
     */
    public ResNetScoring(ScoringOptions options, ScoringOutputs outputs, Attribute image,
            scala.collection.Seq<Attribute> results, LogicalPlan child, ScoringMetrics metrics) {
        this.fields = new ScoringFields(options, outputs, image, ScalaInterop.list(results));
        this.child = child;
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
    }

    /** New result attributes for {@code outputs}, named {@code names} (same order). */
    public static scala.collection.immutable.Seq<Attribute> resultAttributes(ScoringOutputs outputs, List<String> names) {
        List<Attribute> attributes = new ArrayList<>();
        List<ScoringOutputs.Kind> kinds = outputs.kinds();
        for (int i = 0; i < kinds.size(); i++) {
            attributes.add(new AttributeReference(names.get(i), kinds.get(i).dataType(), true, Metadata.empty(),
                    NamedExpression$.MODULE$.newExprId(), ScalaInterop.seq(List.of())));
        }
        return ScalaInterop.seq(attributes);
    }

    public ScoringOptions options() {
        return fields.options();
    }

    public ScoringOutputs outputs() {
        return fields.outputs();
    }

    public Attribute image() {
        return fields.image();
    }

    public List<Attribute> results() {
        return fields.results();
    }

    /** The result column of {@code kind}. */
    public Attribute result(ScoringOutputs.Kind kind) {
        return results().get(outputs().kinds().indexOf(kind));
    }

    public ScoringMetrics metrics() {
        return metrics;
    }

    @Override
    public LogicalPlan child() {
        return child;
    }

    /** This node over another child (same outputs and result attributes). */
    @Override
    public ResNetScoring withChild(LogicalPlan newChild) {
        return new ResNetScoring(options(), outputs(), image(), ScalaInterop.seq(results()), newChild, metrics);
    }

    /** This node with more outputs: {@code outputs} must include the current ones. */
    public ResNetScoring withOutputs(ScoringOutputs more, List<Attribute> moreResults) {
        return new ResNetScoring(options(), more, image(), ScalaInterop.seq(moreResults), child, metrics);
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
        return that instanceof ResNetScoring;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ResNetScoring that && fields.equals(that.fields) && child.equals(that.child);
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
