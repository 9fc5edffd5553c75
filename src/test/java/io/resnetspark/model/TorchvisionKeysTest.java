package io.resnetspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.nn.Parameter;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.resnetspark.testing.ReferencePython;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every torchvision state_dict key maps to exactly one parameter of ours, with the same shape, in
 * the same order (BatchNorm's num_batches_tracked counters aside), and torchvision's own parameter
 * count agrees; the keys and counts come from torchvision itself in this run.
 */
class TorchvisionKeysTest {

    private static final String LIST_KEYS =
            "import json, torchvision\n"
                    + "out = {}\n"
                    + "for name in ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152']:\n"
                    + "    m = getattr(torchvision.models, name)(num_classes=17)\n"
                    + "    out[name] = {'keys': [[k, list(v.shape)] for k, v in m.state_dict().items()],\n"
                    + "                 'parameters': sum(p.numel() for p in m.parameters())}\n"
                    + "print(json.dumps(out))\n";

    private static JsonObject torchvision;

    @BeforeAll
    static void listTorchvisionKeys() throws Exception {
        torchvision = JsonParser.parseString(ReferencePython.runInline(LIST_KEYS)).getAsJsonObject();
    }

    @ParameterizedTest
    @EnumSource(ResNetArchitecture.class)
    void keysShapesAndOrderEqualTorchvision(ResNetArchitecture arch) {
        JsonObject reference = torchvision.getAsJsonObject(arch.modelName());
        List<String> expected = new ArrayList<>();
        for (JsonElement entry : reference.getAsJsonArray("keys")) {
            JsonArray pair = entry.getAsJsonArray();
            String key = pair.get(0).getAsString();
            if (!key.endsWith(".num_batches_tracked")) {
                expected.add(key + " " + pair.get(1));
            }
        }
        ResNet net = new ResNet(new ResNetSpec(arch, 17, 3));
        List<String> actual = new ArrayList<>();
        for (Map.Entry<String, Parameter> entry : net.stateDictParameters().entrySet()) {
            actual.add(entry.getKey() + " " + Arrays.toString(entry.getValue().getShape().getShape()).replace(" ", ""));
        }
        assertEquals(expected, actual);
        assertEquals(reference.get("parameters").getAsLong(), net.parameterCount());
    }
}
