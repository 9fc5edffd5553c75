package io.resnetspark.sql;

import io.resnetspark.spark.plan.ScalaInterop;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.connector.catalog.CatalogManager$;
import scala.Option;
import scala.Tuple3;

/**
 * Adds a SQL function to a session, at build time (an extension) or on a running session. Spark
 * 4 (Scala 2.13) edition: function builders take a {@code scala.collection.immutable.Seq}.
 */
final class FunctionInjection {

    private FunctionInjection() {}

    static void inject(SparkSessionExtensions extensions, FunctionIdentifier id, ExpressionInfo info,
            Function<List<Expression>, Expression> builder) {
        extensions.injectFunction(new Tuple3<>(id, info, scalaBuilder(builder)));
    }

    /**
     * Registers a temporary function of the session. Spark 4 keys them by their full name,
     * {@code system.session.<name>}, as its own {@code createOrReplaceTempFunction} does.
     */
    static void register(FunctionRegistry registry, FunctionIdentifier id, ExpressionInfo info,
            Function<List<Expression>, Expression> builder) {
        FunctionIdentifier qualified = new FunctionIdentifier(id.funcName(),
                Option.apply(CatalogManager$.MODULE$.SESSION_NAMESPACE()),
                Option.apply(CatalogManager$.MODULE$.SYSTEM_CATALOG_NAME()));
        registry.registerFunction(qualified, info, scalaBuilder(builder));
    }

    private static scala.Function1<scala.collection.immutable.Seq<Expression>, Expression> scalaBuilder(
            Function<List<Expression>, Expression> builder) {
        return ScalaInterop.function(arguments -> builder.apply(ScalaInterop.list(arguments)));
    }
}
