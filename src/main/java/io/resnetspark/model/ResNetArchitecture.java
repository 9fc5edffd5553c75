package io.resnetspark.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The ResNet family as a table, as torchvision defines it: a block type and the number of residual
 * blocks in each of the four stages. Depths are data, not code.
 */
public enum ResNetArchitecture {
    RESNET18(ResidualBlockType.BASIC, 2, 2, 2, 2),
    RESNET34(ResidualBlockType.BASIC, 3, 4, 6, 3),
    RESNET50(ResidualBlockType.BOTTLENECK, 3, 4, 6, 3),
    RESNET101(ResidualBlockType.BOTTLENECK, 3, 4, 23, 3),
    RESNET152(ResidualBlockType.BOTTLENECK, 3, 8, 36, 3);

    private final ResidualBlockType blockType;
    private final int[] blocksPerStage;

    ResNetArchitecture(ResidualBlockType blockType, int... blocksPerStage) {
        this.blockType = blockType;
        this.blocksPerStage = blocksPerStage;
    }

    /** The residual block the stages are made of. */
    public ResidualBlockType blockType() {
        return blockType;
    }

    /** Number of residual blocks in stage {@code stage} (0..3). */
    public int blocksInStage(int stage) {
        return blocksPerStage[stage];
    }

    /** Width of the pooled penultimate features: 512 times the block's expansion. */
    public int featureSize() {
        return 512 * blockType.expansion();
    }

    /** The torchvision name, e.g. {@code resnet50}. */
    public String modelName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Looks up an architecture by its torchvision name ({@code resnet50}), case-insensitively.
     *
     * @throws IllegalArgumentException listing the known names when there is no such architecture
     */
    public static ResNetArchitecture fromName(String name) {
        if (name != null) {
            for (ResNetArchitecture arch : values()) {
                if (arch.modelName().equalsIgnoreCase(name.trim())) {
                    return arch;
                }
            }
        }
        throw new IllegalArgumentException(
                "unknown architecture '" + name + "'; expected one of " + knownNames());
    }

    /** The known names, comma separated, for help texts and error messages. */
    public static String knownNames() {
        return Arrays.stream(values())
                .map(ResNetArchitecture::modelName)
                .collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return modelName();
    }
}
