package io.resnetspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Structural invariants: cheap, exact, and independent of the engine. */
class ResNetStructureTest {

    /** torchvision's published parameter counts for 1000 classes. */
    @ParameterizedTest(name = "{0}: {1} parameters")
    @CsvSource({
        "resnet18, 11689512",
        "resnet34, 21797672",
        "resnet50, 25557032",
        "resnet101, 44549160",
        "resnet152, 60192808"
    })
    void parameterCountsEqualTorchvision(String name, long expected) {
        ResNet net = new ResNet(ResNetSpec.imagenet(ResNetArchitecture.fromName(name)));
        assertEquals(expected, net.parameterCount());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"resnet18, 2", "resnet50, 3"})
    void stemProjectionAndHeadFollowTorchvisionNaming(String name, int firstStageBlocks) {
        ResNetArchitecture arch = ResNetArchitecture.fromName(name);
        Map<String, ai.djl.nn.Parameter> keys = new ResNet(new ResNetSpec(arch, 10, 1)).stateDictParameters();
        assertEquals("[64, 1, 7, 7]", shapeOf(keys, "conv1.weight"));
        assertEquals("[10, " + arch.featureSize() + "]", shapeOf(keys, "fc.weight"));
        assertTrue(keys.containsKey("layer2.0.downsample.0.weight"));
        assertTrue(keys.containsKey("layer2.0.downsample.1.running_var"));
        // layer1 of the basic-block nets keeps 64 channels at stride 1: no projection there.
        assertEquals(arch.blockType() == ResidualBlockType.BOTTLENECK, keys.containsKey("layer1.0.downsample.0.weight"));
        assertTrue(keys.containsKey("layer1." + (firstStageBlocks - 1) + ".bn2.weight"));
        assertTrue(keys.keySet().stream().noneMatch(k -> k.contains("num_batches_tracked")));
    }

    private static String shapeOf(Map<String, ai.djl.nn.Parameter> keys, String key) {
        long[] dims = keys.get(key).getShape().getShape();
        return java.util.Arrays.toString(dims);
    }
}
