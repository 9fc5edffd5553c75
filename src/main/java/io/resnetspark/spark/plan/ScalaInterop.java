package io.resnetspark.spark.plan;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import scala.collection.JavaConverters;

/**
 * Conversions between Java and the Scala collections and functions of Catalyst's API, in one
 * place. Sequences handed to Spark are immutable Scala lists, which fit Spark's {@code Seq}
 * parameters on Scala 2.12 and 2.13 alike.
 */
public final class ScalaInterop {

    private ScalaInterop() {}

    /** An immutable Scala sequence of the list's elements. */
    public static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
        return JavaConverters.asScalaBuffer(new ArrayList<>(list)).toList();
    }

    /** A Java list of a Scala sequence's elements. */
    public static <T> List<T> list(scala.collection.Seq<T> seq) {
        return new ArrayList<>(JavaConverters.seqAsJavaList(seq));
    }

    public static <T> Iterator<T> javaIterator(scala.collection.Iterator<T> iterator) {
        return JavaConverters.asJavaIterator(iterator);
    }

    public static <T> scala.collection.Iterator<T> scalaIterator(Iterator<T> iterator) {
        return JavaConverters.asScalaIterator(iterator);
    }

    /** A Java function as a Scala one (not serializable; for rules and builders on the driver). */
    public static <A, B> scala.Function1<A, B> function(java.util.function.Function<A, B> f) {
        return new scala.runtime.AbstractFunction1<A, B>() {
            @Override
            public B apply(A a) {
                return f.apply(a);
            }
        };
    }
}
