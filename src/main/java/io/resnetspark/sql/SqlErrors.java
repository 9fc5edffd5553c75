package io.resnetspark.sql;

import org.apache.spark.QueryContext;
import org.apache.spark.sql.AnalysisException;
import scala.Option;

/** The analysis errors the ResNet functions raise, with a message of their own. */
final class SqlErrors {

    private SqlErrors() {}

    static AnalysisException analysisError(String message) {
        return new AnalysisException(message, Option.empty(), Option.empty(), Option.empty(), Option.empty(),
                scala.collection.immutable.Map$.MODULE$.<String, String>empty(), new QueryContext[0]);
    }

    /** Throws a checked exception (AnalysisException) from a Scala-facing method that cannot declare it. */
    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException raise(Throwable e) throws E {
        throw (E) e;
    }
}
