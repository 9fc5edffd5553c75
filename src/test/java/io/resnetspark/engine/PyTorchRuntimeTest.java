package io.resnetspark.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.util.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine starts offline by the project's own settings (the build sets no DJL property for the
 * tests): once it is loaded, DJL's own URL opener refuses every http and https URL, which is how
 * DJL 0.25 downloads native libraries, JNI bindings and index files.
 */
class PyTorchRuntimeTest {

    @Test
    void afterTheEngineLoadsDjlRefusesEveryHttpUrl(@TempDir Path dir) throws IOException {
        PyTorchRuntime.engine();
        for (String url : new String[] {"https://publish.djl.ai/pytorch/2.0.1/files.txt", "http://127.0.0.1:9/x",
                "HTTPS://example.invalid/"}) {
            IOException e = assertThrows(IOException.class, () -> Utils.openUrl(url).close(), url);
            assertEquals("Offline model is enabled.", e.getMessage(), url);
        }
        // Local files stay readable: that is how DJL reads the libraries on the classpath.
        Path file = Files.writeString(dir.resolve("local.txt"), "ok");
        try (InputStream in = Utils.openUrl(file.toUri().toURL())) {
            assertEquals("ok", new String(in.readAllBytes()));
        }
        for (String property : PyTorchRuntime.OFFLINE_PROPERTIES) {
            assertEquals("true", System.getProperty(property), property);
        }
    }

    @Test
    void thisBuildIsTheCpuBuild() {
        assertEquals(NativeBuild.CPU, PyTorchRuntime.build());
        assertEquals(0, PyTorchRuntime.visibleGpus());
        assertTrue(NativeBuild.CUDA_118.coordinates().contains("-Pcu118"));
    }
}
