package io.resnetspark.sql;

import io.resnetspark.spark.ResNetTransformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.QueryContext;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Dataset$;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.Slice;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataTypes;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Pulls the ResNet function calls out of a plan node into a batched scoring node beneath it, the
 * way Spark extracts Python UDFs into a batch-evaluation node.
 *
 * <p>For each operator (Project, Filter, Aggregate, Sort, Window, Join, ...) whose expressions
 * hold resolved {@link ResNetCall}s, the child that provides a call's image (each side of a join
 * for its own images) becomes: the child
 * projected to the columns the operator uses plus the image expression, scored by the
 * transformer's {@code MapPartitions(PartitionScorer)} (partition-wise, batched, the executor's
 * resident model) with one output column per kind of call; every call is then a reference to its
 * column. All calls on the same image in one operator share one scoring pass (logits, top-k with
 * the largest k, embedding and error come out of one forward pass). The passed-through columns
 * keep their expression ids, so operators above are untouched.
 *
 * <p>Runs as a post-hoc resolution rule: after resolution, before the optimizer, so the optimizer
 * and the planner see only ordinary operators.
 */
public final class BatchScoringRule extends Rule<LogicalPlan> {

    static final String HELPER_PREFIX = "__resnet_";

    private final SparkSession session;
    private final java.util.concurrent.atomic.AtomicInteger pass = new java.util.concurrent.atomic.AtomicInteger();

    public BatchScoringRule(SparkSession session) {
        this.session = session;
    }

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
        return rewrite(plan);
    }

    private LogicalPlan rewrite(LogicalPlan plan) {
        List<LogicalPlan> children = JavaConverters.seqAsJavaList(plan.children());
        List<LogicalPlan> rewritten = new ArrayList<>(children.size());
        boolean changed = false;
        for (LogicalPlan child : children) {
            LogicalPlan next = rewrite(child);
            changed |= next != child;
            rewritten.add(next);
        }
        LogicalPlan node = changed ? plan.withNewChildren(seq(rewritten)) : plan;
        List<ResNetCall> calls = new ArrayList<>();
        for (Expression e : JavaConverters.seqAsJavaList(node.expressions())) {
            collectCalls(e, calls);
        }
        if (calls.isEmpty() || children.isEmpty() || !node.childrenResolved()) {
            return node;
        }
        for (ResNetCall call : calls) {
            if (!call.resolved()) {
                return node; // CheckAnalysis reports the call's type-check failure
            }
        }
        return batch(node, calls);
    }

    private static void collectCalls(Expression e, List<ResNetCall> calls) {
        if (e instanceof ResNetCall) {
            calls.add((ResNetCall) e);
            return;
        }
        for (Expression child : JavaConverters.seqAsJavaList(e.children())) {
            collectCalls(child, calls);
        }
    }

    /** The columns one image's scoring pass produced, by function. */
    private static final class Scored {
        final Map<ResNetFunction, Attribute> columns = new HashMap<>();
        int topK;
    }

    private LogicalPlan batch(LogicalPlan node, List<ResNetCall> calls) {
        Map<Expression, Scored> scoredByImage = new HashMap<>();
        List<LogicalPlan> children = new ArrayList<>(JavaConverters.seqAsJavaList(node.children()));
        List<ResNetCall> left = new ArrayList<>(calls);
        for (int i = 0; i < children.size(); i++) {
            LogicalPlan child = children.get(i);
            // The calls whose image this child provides (a join: each side scores its own images).
            List<ResNetCall> here = new ArrayList<>();
            for (ResNetCall call : left) {
                if (call.image().references().subsetOf(child.outputSet())) {
                    here.add(call);
                }
            }
            left.removeAll(here);
            if (!here.isEmpty()) {
                children.set(i, scoreChild(node, child, here, scoredByImage));
            }
        }
        if (!left.isEmpty()) {
            ResNetCall call = left.get(0);
            throw sneaky(new AnalysisException(call.function().sqlName() + ": argument 1 (image) " + call.image().sql()
                    + " combines columns of several inputs of " + node.nodeName()
                    + "; compute the image in a subquery first", Option.empty(), Option.empty(), Option.empty(),
                    Option.empty(), scala.collection.immutable.Map$.MODULE$.<String, String>empty(), new QueryContext[0]));
        }
        LogicalPlan replaced = node.mapExpressions(asFunction(e -> replaceCalls(e, scoredByImage)));
        LogicalPlan result = replaced.withNewChildren(seq(children));
        if (!sameOutput(result, node)) {
            result = new Project(seq(new ArrayList<NamedExpression>(JavaConverters.seqAsJavaList(node.output()))), result);
        }
        return result;
    }

    /**
     * {@code child} with one scoring pass per distinct image of {@code calls} on top, passing on
     * the child's columns {@code node} uses (same expression ids) and the scoring outputs; records
     * each image's output columns in {@code scoredByImage}.
     */
    private LogicalPlan scoreChild(LogicalPlan node, LogicalPlan child, List<ResNetCall> calls,
            Map<Expression, Scored> scoredByImage) {
        SQLConf conf = session.sessionState().conf();
        // The calls grouped by image (semantically equal images share a pass).
        Map<Expression, List<ResNetCall>> byImage = new LinkedHashMap<>();
        for (ResNetCall call : calls) {
            byImage.computeIfAbsent(call.image().canonicalized(), key -> new ArrayList<>()).add(call);
        }
        // The child's columns the operator (or operators above, through it) uses.
        Set<ExprId> used = new HashSet<>();
        for (Attribute a : JavaConverters.seqAsJavaList(node.references().toSeq())) {
            used.add(a.exprId());
        }
        for (Attribute a : JavaConverters.seqAsJavaList(node.output())) {
            used.add(a.exprId());
        }
        List<Attribute> keep = new ArrayList<>();
        for (Attribute a : JavaConverters.seqAsJavaList(child.output())) {
            if (used.contains(a.exprId())) {
                keep.add(a);
            }
        }

        LogicalPlan current = child;
        List<Attribute> carried = new ArrayList<>(keep); // columns the current plan passes on
        for (Map.Entry<Expression, List<ResNetCall>> group : byImage.entrySet()) {
            int id = pass.getAndIncrement();
            Expression image = group.getValue().get(0).image();
            String imageCol = HELPER_PREFIX + "image_" + id;
            // The image column: a carried column renamed in place (no second copy of the bytes), or
            // the image expression appended.
            List<NamedExpression> inputs = new ArrayList<>();
            boolean renamed = false;
            for (Attribute c : carried) {
                if (!renamed && image instanceof Attribute && ((Attribute) image).exprId().equals(c.exprId())) {
                    inputs.add(alias(c, imageCol, NamedExpression$newExprId()));
                    renamed = true;
                } else {
                    inputs.add(c);
                }
            }
            if (!renamed) {
                inputs.add(alias(image, imageCol, NamedExpression$newExprId()));
            }
            LogicalPlan input = new Project(seq(inputs), current);

            Set<ResNetFunction> wanted = new HashSet<>();
            int topK = 0;
            for (ResNetCall call : group.getValue()) {
                wanted.add(call.function());
                topK = Math.max(topK, call.k());
            }
            ResNetTransformer transformer = ResNetSqlConf.transformer(conf)
                    .setInputCol(imageCol)
                    .setOutputCol(HELPER_PREFIX + "logits_" + id)
                    .setErrorCol(HELPER_PREFIX + "error_" + id);
            if (wanted.contains(ResNetFunction.TOPK)) {
                transformer.setTopKCol(HELPER_PREFIX + "topk_" + id).setTopK(topK);
            }
            if (wanted.contains(ResNetFunction.EMBEDDING)) {
                transformer.setEmbeddingCol(HELPER_PREFIX + "embedding_" + id);
            }
            Dataset<Row> rows = Dataset$.MODULE$.ofRows(session, input);
            LogicalPlan scoredPlan = transformer.transform(rows).queryExecution().analyzed();

            // Output: the input columns (new ids), then logits, [topk], [embedding], error. The
            // carried columns get their expression ids back (the renamed image column its name).
            List<Attribute> out = JavaConverters.seqAsJavaList(scoredPlan.output());
            List<NamedExpression> restored = new ArrayList<>();
            for (int i = 0; i < carried.size(); i++) {
                Attribute old = carried.get(i);
                restored.add(new Alias(out.get(i), old.name(), old.exprId(), old.qualifier(), Option.empty(),
                        seq(List.of())));
            }
            Scored scored = new Scored();
            scored.topK = topK;
            int position = carried.size() + (renamed ? 0 : 1); // past the appended image
            scored.columns.put(ResNetFunction.LOGITS, out.get(position++));
            if (wanted.contains(ResNetFunction.TOPK)) {
                scored.columns.put(ResNetFunction.TOPK, out.get(position++));
            }
            if (wanted.contains(ResNetFunction.EMBEDDING)) {
                scored.columns.put(ResNetFunction.EMBEDDING, out.get(position++));
            }
            scored.columns.put(ResNetFunction.ERROR, out.get(position));
            List<Attribute> nextCarried = new ArrayList<>(carried);
            for (Attribute a : scored.columns.values()) {
                restored.add(a);
                nextCarried.add(a);
            }
            current = new Project(seq(restored), scoredPlan);
            carried = nextCarried;
            scoredByImage.put(group.getKey(), scored);
        }
        return current;
    }

    private static Expression replaceCalls(Expression e, Map<Expression, Scored> scoredByImage) {
        if (e instanceof ResNetCall) {
            ResNetCall call = (ResNetCall) e;
            Scored scored = scoredByImage.get(call.image().canonicalized());
            Attribute column = scored.columns.get(call.function());
            if (call.function() == ResNetFunction.TOPK && call.k() < scored.topK) {
                return new Slice(column, Literal.create(1, DataTypes.IntegerType), Literal.create(call.k(), DataTypes.IntegerType));
            }
            return column;
        }
        return e.mapChildren(asFunction(c -> replaceCalls(c, scoredByImage)));
    }

    private static boolean sameOutput(LogicalPlan a, LogicalPlan b) {
        List<Attribute> x = JavaConverters.seqAsJavaList(a.output());
        List<Attribute> y = JavaConverters.seqAsJavaList(b.output());
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            if (!x.get(i).exprId().equals(y.get(i).exprId())) {
                return false;
            }
        }
        return true;
    }

    private static ExprId NamedExpression$newExprId() {
        return org.apache.spark.sql.catalyst.expressions.NamedExpression$.MODULE$.newExprId();
    }

    private static Alias alias(Expression child, String name, ExprId id) {
        return new Alias(child, name, id, seq(List.<String>of()), Option.empty(), seq(List.<String>of()));
    }

    /** Throws a checked exception (AnalysisException) from a Scala-facing method that cannot declare it. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e;
    }

    static <T> Seq<T> seq(List<T> list) {
        return JavaConverters.asScalaBuffer(new ArrayList<>(list)).toList();
    }

    static <A, B> scala.Function1<A, B> asFunction(java.util.function.Function<A, B> f) {
        return new scala.runtime.AbstractFunction1<A, B>() {
            @Override
            public B apply(A a) {
                return f.apply(a);
            }
        };
    }
}
