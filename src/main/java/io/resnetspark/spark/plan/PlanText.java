package io.resnetspark.spark.plan;

import io.resnetspark.options.ScoringOptions;
import io.resnetspark.options.ScoringSettings;
import io.resnetspark.spark.ScoringOutputs;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Attribute;

/** How EXPLAIN prints a scoring node, logical or physical, the same way. */
final class PlanText {

    private PlanText() {}

    /**
     * {@code ResNetScoring resnet50 [logits#12, topK(5)#13, error#14] <- content#3
     * {batchSize=32, weights=...}}: the network, the outputs and their columns, the image, and
     * the settings that differ from their defaults.
     */
    static String describe(String node, ScoringOptions options, ScoringOutputs outputs, Attribute image,
            List<Attribute> results) {
        List<String> columns = new ArrayList<>();
        List<ScoringOutputs.Kind> kinds = outputs.kinds();
        for (int i = 0; i < kinds.size(); i++) {
            String kind = kinds.get(i) == ScoringOutputs.Kind.TOP_K
                    ? "topK(" + outputs.topK() + ")" : kinds.get(i).name().toLowerCase(java.util.Locale.ROOT);
            columns.add(kind + "=" + results.get(i).name() + "#" + results.get(i).exprId().id());
        }
        return node + " " + options.get(ScoringSettings.ARCH) + " [" + String.join(", ", columns) + "] <- "
                + image.name() + "#" + image.exprId().id() + " " + options;
    }
}
