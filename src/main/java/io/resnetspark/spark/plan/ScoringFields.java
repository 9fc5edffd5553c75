package io.resnetspark.spark.plan;

import io.resnetspark.options.ScoringOptions;
import io.resnetspark.spark.ScoringOutputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.AttributeSet$;
import org.apache.spark.sql.catalyst.expressions.Expression;

/**
 * What the logical and the physical scoring node both hold: the options, the outputs, the image
 * column and one result column per output; and what follows from them for Catalyst (the output,
 * the produced attributes, the product elements, equality, EXPLAIN's text).
 *
 * @param results one attribute per output, in the order of {@code outputs.kinds()}
 */
record ScoringFields(ScoringOptions options, ScoringOutputs outputs, Attribute image, List<Attribute> results)
        implements java.io.Serializable {

    ScoringFields {
        results = List.copyOf(results);
        if (results.size() != outputs.kinds().size()) {
            throw new IllegalArgumentException(results.size() + " result columns for outputs " + outputs);
        }
    }

    /** The child's columns followed by the result columns. */
    scala.collection.immutable.Seq<Attribute> output(scala.collection.Seq<Attribute> childOutput) {
        List<Attribute> out = ScalaInterop.list(childOutput);
        out.addAll(results);
        return ScalaInterop.seq(out);
    }

    AttributeSet produced() {
        return AttributeSet$.MODULE$.apply(ScalaInterop.<Expression>seq(new ArrayList<>(results)));
    }

    /** Product elements 0-3 (what Catalyst maps over: image and results are expressions); 4 is the child. */
    Object element(int n, Object child) {
        switch (n) {
            case 0:
                return options;
            case 1:
                return outputs;
            case 2:
                return image;
            case 3:
                return ScalaInterop.seq(results);
            case 4:
                return child;
            default:
                throw new IndexOutOfBoundsException(Integer.toString(n));
        }
    }

    static final int ARITY = 5;

    int hash(Object child) {
        return Objects.hash(options, outputs, image, results, child);
    }

    String describe(String node) {
        return PlanText.describe(node, options, outputs, image, results);
    }
}
