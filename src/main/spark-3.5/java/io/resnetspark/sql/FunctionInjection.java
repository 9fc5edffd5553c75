package io.resnetspark.sql;

import io.resnetspark.spark.plan.ScalaInterop;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import scala.Tuple3;

/**
 * Adds a SQL function to a session, at build time (an extension) or on a running session. Spark
 * 3.5 (Scala 2.12) edition: function builders take a {@code scala.collection.Seq}.
 */
final class FunctionInjection {

    private FunctionInjection() {}

    static void inject(SparkSessionExtensions extensions, FunctionIdentifier id, ExpressionInfo info,
            Function<List<Expression>, Expression> builder) {
        extensions.injectFunction(new Tuple3<>(id, info, scalaBuilder(builder)));
    }

    static void register(FunctionRegistry registry, FunctionIdentifier id, ExpressionInfo info,
            Function<List<Expression>, Expression> builder) {
        registry.registerFunction(id, info, scalaBuilder(builder));
    }

    private static scala.Function1<scala.collection.Seq<Expression>, Expression> scalaBuilder(
            Function<List<Expression>, Expression> builder) {
        return ScalaInterop.function(arguments -> builder.apply(ScalaInterop.list(arguments)));
    }
}
