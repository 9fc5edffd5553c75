package io.resnetspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.resnetspark.testing.ReferencePython;
import io.resnetspark.weights.NpyFormat;
import io.resnetspark.weights.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * jobs/export-torchvision-weights.py, the way users bring real weights: a torchvision model
 * (seeded here, since pretrained weights cannot be downloaded) exported to safetensors or npz, in
 * float32, float16 or bfloat16, loads strictly into the Java model, which then gives torchvision's
 * logits for that exported model; the fingerprint is the SHA-256 the script printed.
 */
class ExportScriptTest {

    /** torchvision's float32 logits of the exported file's weights (read back with the project's own
     *  safetensors reader in Python), for a seeded input written as .npy. */
    private static final String TORCHVISION_LOGITS =
            "import sys, numpy as np, torch, torchvision\n"
                    + "sys.path.insert(0, sys.argv[1])\n"
                    + "import torchvision_safetensors as st\n"
                    + "arch, weights, x_path, y_path, classes = sys.argv[2:7]\n"
                    + "if weights.endswith('.npz'):\n"
                    + "    state = {k: torch.from_numpy(np.array(v)) for k, v in np.load(weights).items()}\n"
                    + "else:\n"
                    + "    state = {k: torch.from_numpy(np.array(v)) for k, v in st.load_safetensors(weights).items()}\n"
                    + "model = getattr(torchvision.models, arch)(num_classes=int(classes)).eval()\n"
                    + "model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})\n"
                    + "torch.manual_seed(0)\n"
                    + "x = torch.randn(2, 3, 96, 128)\n"
                    + "np.save(x_path, x.numpy())\n"
                    + "with torch.no_grad():\n"
                    + "    np.save(y_path, model(x).numpy())\n";

    @ParameterizedTest(name = "{0} as {1} {2}")
    @CsvSource({
        "resnet18, safetensors, float32",
        "resnet50, safetensors, float32",
        "resnet18, npz, float32",
        "resnet18, safetensors, float16",
        "resnet34, safetensors, bfloat16"
    })
    void exportedWeightsLoadAndGiveTorchvisionsLogits(String arch, String format, String dtype, @TempDir Path dir)
            throws Exception {
        Path weights = dir.resolve("exported." + format);
        String printed = ReferencePython.runScript("jobs/export-torchvision-weights.py", "--arch", arch, "--random",
                "--seed", "11", "--randomize-bn", "--num-classes", "20", "--dtype", dtype, "--output", weights.toString());
        Path x = dir.resolve("x.npy");
        Path y = dir.resolve("y.npy");
        ReferencePython.runInline(TORCHVISION_LOGITS, ReferencePython.PROJECT.resolve("jobs/tools").toString(), arch,
                weights.toString(), x.toString(), y.toString(), "20");

        Tensor input = NpyFormat.read(x);
        float[] expected = NpyFormat.read(y).values();
        try (ResNetModel model = ResNetModel.load(
                new ResNetSpec(ResNetArchitecture.fromName(arch), 20, 3), weights, Device.cpu())) {
            float[] logits = model.forward(input.values(), input.shape()).logits();
            assertEquals(expected.length, logits.length);
            for (int i = 0; i < logits.length; i++) {
                assertEquals(expected[i], logits[i], 2e-3, arch + " " + dtype + " logit " + i);
            }
            assertTrue(printed.contains("sha256=" + model.weightsFingerprint().substring("sha256:".length())),
                    "the fingerprint is the SHA-256 the exporter printed: " + printed);
        }
    }
}
