package io.resnetspark.sql;

import io.resnetspark.options.ScoringOptions;
import io.resnetspark.spark.ScoringMetrics;
import io.resnetspark.spark.ScoringOutputs;
import io.resnetspark.spark.plan.ResNetScoring;
import io.resnetspark.spark.plan.ScalaInterop;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.And;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression$;
import org.apache.spark.sql.catalyst.expressions.Slice;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.types.DataTypes;
import scala.Option;

/**
 * Turns the ResNet function calls that survive optimization into batched scoring nodes, the way
 * Spark's {@code ExtractPythonUDFs} turns Python UDFs into {@code BatchEvalPython}.
 *
 * <p>It runs late (a pre-CBO optimizer rule): by then the calls have been ordinary expressions
 * through the whole operator optimization, so calls whose results nobody uses are gone and
 * deterministic filters on plain columns sit below them. For each operator holding calls, the
 * child that provides a call's image (each side of a join for its own images) gets a {@link
 * ResNetScoring} node on top, and every call becomes a reference to that node's output column.
 *
 * <ul>
 *   <li>One pass per image: all calls on the same image in one operator share one node (top-k
 *       with the largest k, smaller k sliced from it), and an operator whose child already scores
 *       that image (beneath filters and projections that pass the image on) adds its outputs to
 *       that node instead of scoring again.
 *   <li>A filter's conjuncts without calls go below the scoring node, so only the rows they keep
 *       are scored.
 *   <li>Calls over aggregate results ({@code resnet_logits(first(content))}) are computed in a
 *       projection above the aggregate.
 * </ul>
 *
 * Columns the operator did not output before are projected away again above it, so the operators
 * above see the plan they saw before.
 */
public final class ExtractResNetCalls extends Rule<LogicalPlan> {

    static final String PREFIX = "__resnet_";

    private final SparkSession session;
    private final AtomicInteger ids = new AtomicInteger();

    public ExtractResNetCalls(SparkSession session) {
        this.session = session;
    }

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
        if (!containsCall(plan)) {
            return plan;
        }
        // The session's settings when the query is optimized: SET before a query takes effect for it.
        ScoringOptions options = SqlSettings.read(session.sessionState().conf());
        return rewrite(plan, options);
    }

    private static boolean containsCall(LogicalPlan plan) {
        if (!callsOf(plan).isEmpty()) {
            return true;
        }
        for (LogicalPlan child : ScalaInterop.list(plan.children())) {
            if (containsCall(child)) {
                return true;
            }
        }
        return false;
    }

    /** The calls in a node's own expressions (not in its children, nor in subquery plans). */
    static List<ResNetCall> callsOf(LogicalPlan node) {
        List<ResNetCall> calls = new ArrayList<>();
        for (Expression e : ScalaInterop.list(node.expressions())) {
            collect(e, calls);
        }
        return calls;
    }

    private static void collect(Expression e, List<ResNetCall> calls) {
        if (e instanceof ResNetCall call) {
            calls.add(call);
            return;
        }
        for (Expression child : ScalaInterop.list(e.children())) {
            collect(child, calls);
        }
    }

    /** Bottom-up: children first, so a node finds the scoring its children already do. */
    private LogicalPlan rewrite(LogicalPlan plan, ScoringOptions options) {
        List<LogicalPlan> children = ScalaInterop.list(plan.children());
        List<LogicalPlan> rewritten = new ArrayList<>();
        boolean changed = false;
        for (LogicalPlan child : children) {
            LogicalPlan next = rewrite(child, options);
            changed |= next != child;
            rewritten.add(next);
        }
        LogicalPlan node = changed ? plan.withNewChildren(ScalaInterop.seq(rewritten)) : plan;
        if (node instanceof ResNetScoring || callsOf(node).isEmpty()) {
            return node;
        }
        if (node instanceof Aggregate aggregate && callsOverAggregates(aggregate)) {
            Project above = pullAboveAggregate(aggregate);
            LogicalPlan below = extract(above.child(), options);
            return extract(above.withNewChildren(ScalaInterop.seq(List.of(below))), options);
        }
        return extract(node, options);
    }

    /** The columns one scoring pass gives an image's calls, by output kind. */
    private record Scored(Map<ScoringOutputs.Kind, Attribute> columns, int topK) {}

    private LogicalPlan extract(LogicalPlan node, ScoringOptions options) {
        LogicalPlan current = node instanceof Filter filter ? pushPlainConjunctsDown(filter) : node;
        List<ResNetCall> calls = callsOf(current);
        Map<Expression, Scored> scoredByImage = new LinkedHashMap<>();
        List<LogicalPlan> children = ScalaInterop.list(current.children());
        List<ResNetCall> left = new ArrayList<>(calls);
        for (int i = 0; i < children.size(); i++) {
            LogicalPlan child = children.get(i);
            List<ResNetCall> here = new ArrayList<>();
            for (ResNetCall call : left) {
                if (call.image().references().subsetOf(child.outputSet())) {
                    here.add(call);
                }
            }
            left.removeAll(here);
            if (!here.isEmpty()) {
                children.set(i, score(child, here, options, scoredByImage));
            }
        }
        if (!left.isEmpty()) {
            throw SqlErrors.raise(SqlErrors.analysisError(ResNetCallCheck.severalInputs(left.get(0), node)));
        }
        LogicalPlan replaced = current.withNewChildren(ScalaInterop.seq(children))
                .mapExpressions(ScalaInterop.function(e -> replaceCalls(e, scoredByImage)));
        return sameOutput(replaced, node) ? replaced : new Project(ScalaInterop.seq(namedOutput(node)), replaced);
    }

    /**
     * Scores {@code child} for {@code calls} (all of whose images it provides), one pass per
     * distinct image, and records each image's columns.
     */
    private LogicalPlan score(LogicalPlan child, List<ResNetCall> calls, ScoringOptions options,
            Map<Expression, Scored> scoredByImage) {
        Map<Expression, List<ResNetCall>> byImage = new LinkedHashMap<>();
        for (ResNetCall call : calls) {
            byImage.computeIfAbsent(call.image().canonicalized(), key -> new ArrayList<>()).add(call);
        }
        LogicalPlan current = child;
        for (Map.Entry<Expression, List<ResNetCall>> group : byImage.entrySet()) {
            ScoringOutputs wanted = ScoringOutputs.none();
            int topK = 0;
            for (ResNetCall call : group.getValue()) {
                if (call.function() == ResNetFunction.TOPK) {
                    topK = Math.max(topK, call.k());
                } else {
                    wanted = wanted.with(call.function().output());
                }
            }
            if (topK > 0) {
                wanted = wanted.withTopK(topK);
            }
            Expression image = group.getValue().get(0).image();
            Optional<Extended> extended = image instanceof Attribute attribute
                    ? extend(current, attribute, wanted, options) : Optional.empty();
            if (extended.isPresent()) {
                current = extended.get().plan();
                scoredByImage.put(group.getKey(), extended.get().scored());
                continue;
            }
            Attribute imageColumn;
            LogicalPlan input = current;
            if (image instanceof Attribute attribute) {
                imageColumn = attribute;
            } else {
                Alias alias = alias(image, PREFIX + "image_" + ids.getAndIncrement());
                List<NamedExpression> columns = new ArrayList<>(ScalaInterop.list(current.output()));
                columns.add(alias);
                input = new Project(ScalaInterop.seq(columns), current);
                imageColumn = alias.toAttribute();
            }
            ResNetScoring scoring = new ResNetScoring(options, wanted, imageColumn,
                    ResNetScoring.resultAttributes(wanted, resultNames(wanted)), input,
                    ScoringMetrics.register(session.sparkContext()));
            current = scoring;
            scoredByImage.put(group.getKey(), scoredBy(scoring));
        }
        return current;
    }

    /** A plan whose scoring node was given more outputs, and the columns the new calls use. */
    private record Extended(LogicalPlan plan, Scored scored) {}

    /**
     * {@code plan} with the scoring of {@code image} beneath it (through filters and projections
     * that pass the image on) extended by {@code wanted}, if there is one with the same settings
     * whose top-k is not smaller than the one wanted.
     */
    private Optional<Extended> extend(LogicalPlan plan, Attribute image, ScoringOutputs wanted, ScoringOptions options) {
        if (plan instanceof ResNetScoring scoring) {
            if (!scoring.image().exprId().equals(image.exprId()) || !scoring.options().equals(options)
                    || (wanted.has(ScoringOutputs.Kind.TOP_K) && scoring.outputs().has(ScoringOutputs.Kind.TOP_K)
                            && scoring.outputs().topK() < wanted.topK())) {
                return Optional.empty();
            }
            ScoringOutputs merged = scoring.outputs();
            for (ScoringOutputs.Kind kind : wanted.kinds()) {
                if (!merged.has(kind)) {
                    merged = kind == ScoringOutputs.Kind.TOP_K ? merged.withTopK(wanted.topK()) : merged.with(kind);
                }
            }
            List<Attribute> added = ScalaInterop.list(ResNetScoring.resultAttributes(merged, resultNames(merged)));
            List<Attribute> results = new ArrayList<>();
            for (ScoringOutputs.Kind kind : merged.kinds()) {
                results.add(scoring.outputs().has(kind) ? scoring.result(kind) : added.get(merged.kinds().indexOf(kind)));
            }
            ResNetScoring more = scoring.withOutputs(merged, results);
            return Optional.of(new Extended(more, scoredBy(more)));
        }
        if (plan instanceof Filter filter) {
            return extend(filter.child(), image, wanted, options)
                    .map(e -> new Extended(filter.withNewChildren(ScalaInterop.seq(List.of(e.plan()))), e.scored()));
        }
        if (plan instanceof Project project && passesOn(project, image)) {
            return extend(project.child(), image, wanted, options).map(e -> {
                List<NamedExpression> columns = new ArrayList<>(ScalaInterop.list(project.projectList()));
                Set<ExprId> present = new HashSet<>();
                for (NamedExpression column : columns) {
                    present.add(column.exprId());
                }
                for (Attribute column : e.scored().columns().values()) {
                    if (!present.contains(column.exprId())) {
                        columns.add(column);
                    }
                }
                return new Extended(new Project(ScalaInterop.seq(columns), e.plan()), e.scored());
            });
        }
        return Optional.empty();
    }

    private static boolean passesOn(Project project, Attribute image) {
        return ScalaInterop.list(project.projectList()).stream()
                .anyMatch(e -> e instanceof Attribute a && a.exprId().equals(image.exprId()));
    }

    private static Scored scoredBy(ResNetScoring scoring) {
        Map<ScoringOutputs.Kind, Attribute> columns = new EnumMap<>(ScoringOutputs.Kind.class);
        for (ScoringOutputs.Kind kind : scoring.outputs().kinds()) {
            columns.put(kind, scoring.result(kind));
        }
        return new Scored(columns, scoring.outputs().topK());
    }

    private List<String> resultNames(ScoringOutputs outputs) {
        int id = ids.getAndIncrement();
        List<String> names = new ArrayList<>();
        for (ScoringOutputs.Kind kind : outputs.kinds()) {
            names.add(PREFIX + kind.name().toLowerCase(Locale.ROOT) + "_" + id);
        }
        return names;
    }

    private static Expression replaceCalls(Expression e, Map<Expression, Scored> scoredByImage) {
        if (e instanceof ResNetCall call) {
            Scored scored = scoredByImage.get(call.image().canonicalized());
            Attribute column = scored.columns().get(call.function().output());
            if (call.function() == ResNetFunction.TOPK && call.k() < scored.topK()) {
                return new Slice(column, Literal.create(1, DataTypes.IntegerType), Literal.create(call.k(), DataTypes.IntegerType));
            }
            return column;
        }
        return e.mapChildren(ScalaInterop.function(c -> replaceCalls(c, scoredByImage)));
    }

    /**
     * A filter whose deterministic leading conjuncts without calls form a filter of their own
     * beneath it, so that the scoring placed under the outer filter sees only the rows they keep.
     */
    private static LogicalPlan pushPlainConjunctsDown(Filter filter) {
        List<Expression> conjuncts = new ArrayList<>();
        splitConjuncts(filter.condition(), conjuncts);
        List<Expression> below = new ArrayList<>();
        List<Expression> above = new ArrayList<>();
        boolean deterministicSoFar = true;
        for (Expression conjunct : conjuncts) {
            deterministicSoFar &= conjunct.deterministic();
            boolean plain = deterministicSoFar && !containsCall(conjunct);
            (plain ? below : above).add(conjunct);
        }
        if (below.isEmpty() || above.isEmpty()) {
            return filter;
        }
        return new Filter(and(above), new Filter(and(below), filter.child()));
    }

    private static boolean containsCall(Expression e) {
        List<ResNetCall> calls = new ArrayList<>();
        collect(e, calls);
        return !calls.isEmpty();
    }

    private static void splitConjuncts(Expression e, List<Expression> out) {
        if (e instanceof And and) {
            splitConjuncts(and.left(), out);
            splitConjuncts(and.right(), out);
        } else {
            out.add(e);
        }
    }

    private static Expression and(List<Expression> conjuncts) {
        Expression result = conjuncts.get(0);
        for (int i = 1; i < conjuncts.size(); i++) {
            result = new And(result, conjuncts.get(i));
        }
        return result;
    }

    /** Whether a call's image in the aggregate's output uses aggregate results. */
    private static boolean callsOverAggregates(Aggregate aggregate) {
        for (NamedExpression e : ScalaInterop.list(aggregate.aggregateExpressions())) {
            List<ResNetCall> calls = new ArrayList<>();
            collect((Expression) e, calls);
            for (ResNetCall call : calls) {
                if (usesAggregates(call.image())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean usesAggregates(Expression e) {
        if (e instanceof AggregateExpression) {
            return true;
        }
        for (Expression child : ScalaInterop.list(e.children())) {
            if (usesAggregates(child)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isGroupingExpression(Expression e, Aggregate aggregate) {
        return ScalaInterop.list(aggregate.groupingExpressions()).stream().anyMatch(g -> g.semanticEquals(e));
    }

    /**
     * The aggregate without the calls over aggregate results, and a projection above it that
     * computes them from the aggregate's output, like Spark's {@code ExtractPythonUDFFromAggregate}.
     */
    private static Project pullAboveAggregate(Aggregate aggregate) {
        List<NamedExpression> projected = new ArrayList<>();
        List<NamedExpression> aggregated = new ArrayList<>();
        for (NamedExpression named : ScalaInterop.list(aggregate.aggregateExpressions())) {
            Expression e = (Expression) named;
            if (containsCall(e) && usesAggregates(e)) {
                projected.add((NamedExpression) pullOut(e, aggregate, aggregated));
            } else {
                aggregated.add(named);
                projected.add(named.toAttribute());
            }
        }
        Aggregate below = Aggregates.withOutputs(aggregate, aggregated);
        return new Project(ScalaInterop.seq(projected), below);
    }

    /** {@code e} with its aggregate results and grouping expressions replaced by columns of the aggregate. */
    private static Expression pullOut(Expression e, Aggregate aggregate, List<NamedExpression> aggregated) {
        if (e instanceof AggregateExpression || (isGroupingExpression(e, aggregate) && !(e instanceof NamedExpression))) {
            Alias alias = alias(e, PREFIX + "aggregate");
            aggregated.add(alias);
            return alias.toAttribute();
        }
        if (e instanceof Attribute attribute) { // a grouping column
            if (aggregated.stream().noneMatch(a -> a.exprId().equals(attribute.exprId()))) {
                aggregated.add(attribute);
            }
            return attribute;
        }
        return e.mapChildren(ScalaInterop.function(c -> pullOut(c, aggregate, aggregated)));
    }

    private static boolean sameOutput(LogicalPlan a, LogicalPlan b) {
        List<Attribute> x = ScalaInterop.list(a.output());
        List<Attribute> y = ScalaInterop.list(b.output());
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

    private static List<NamedExpression> namedOutput(LogicalPlan plan) {
        return new ArrayList<>(ScalaInterop.list(plan.output()));
    }

    static Alias alias(Expression child, String name) {
        return new Alias(child, name, NamedExpression$.MODULE$.newExprId(), ScalaInterop.seq(List.of()), Option.empty(),
                ScalaInterop.seq(List.of()));
    }
}
