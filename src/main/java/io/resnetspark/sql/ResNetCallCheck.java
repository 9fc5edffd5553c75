package io.resnetspark.sql;

import io.resnetspark.spark.plan.ScalaInterop;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedLambdaVariable;
import org.apache.spark.sql.catalyst.expressions.OuterReference;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Analysis-time checks of where a call's image comes from, so that a query the scoring rewrite
 * cannot place fails while it is analyzed, naming the function and the argument: the image must
 * come from one input of its operator, not from an outer query or a lambda variable.
 */
final class ResNetCallCheck extends AbstractFunction1<LogicalPlan, BoxedUnit> {

    @Override
    public BoxedUnit apply(LogicalPlan plan) {
        check(plan);
        return BoxedUnit.UNIT;
    }

    private static void check(LogicalPlan node) {
        for (ResNetCall call : ExtractResNetCalls.callsOf(node)) {
            String problem = problem(call, node);
            if (problem != null) {
                throw SqlErrors.raise(SqlErrors.analysisError(problem));
            }
        }
        for (LogicalPlan child : ScalaInterop.list(node.children())) {
            check(child);
        }
        for (LogicalPlan subquery : ScalaInterop.list(node.subqueries())) {
            check(subquery);
        }
    }

    private static String problem(ResNetCall call, LogicalPlan node) {
        if (!call.resolved()) {
            return null; // the type checks report it
        }
        Expression image = call.image();
        if (contains(image, OuterReference.class)) {
            return argument(call) + " refers to a column of the outer query; score the images in the outer query";
        }
        if (contains(image, NamedLambdaVariable.class)) {
            return argument(call) + " uses a lambda variable; score a column of a table instead";
        }
        List<LogicalPlan> children = ScalaInterop.list(node.children());
        if (!children.isEmpty() && children.stream().noneMatch(c -> image.references().subsetOf(c.outputSet()))) {
            return severalInputs(call, node);
        }
        return null;
    }

    static String severalInputs(ResNetCall call, LogicalPlan node) {
        return argument(call) + " combines columns of several inputs of " + node.nodeName()
                + "; compute the image in a subquery first";
    }

    private static String argument(ResNetCall call) {
        return call.function().sqlName() + ": argument 1 (image) " + call.image().sql();
    }

    private static boolean contains(Expression e, Class<?> type) {
        if (type.isInstance(e)) {
            return true;
        }
        for (Expression child : ScalaInterop.list(e.children())) {
            if (contains(child, type)) {
                return true;
            }
        }
        return false;
    }
}
