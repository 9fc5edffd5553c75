package io.resnetspark.engine;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import java.net.URL;

/**
 * Starts DJL's PyTorch engine from the native library packaged on the classpath, offline.
 *
 * <p>DJL would otherwise download a native library at first use. Platform jobs run on hosts without
 * internet access, so the build puts {@code pytorch-native-cpu} (or {@code pytorch-native-cu118}
 * with {@code -Pcu118}) and the matching {@code pytorch-jni} on the classpath and this class
 * switches DJL to offline mode before the engine loads. When a piece is missing the error names the
 * artifact to add instead of letting DJL try the network.
 */
public final class PyTorchRuntime {

    /** Name DJL registers the PyTorch engine under. */
    public static final String ENGINE_NAME = "PyTorch";

    private static final String NATIVE_MARKER = "native/lib/pytorch.properties";
    private static final String JNI_MARKER = "jnilib/pytorch.properties";
    private static final String MISSING_NATIVE_HINT =
            "the PyTorch native library is not on the classpath: add"
                    + " ai.djl.pytorch:pytorch-native-cpu:2.0.1:linux-x86_64 (the default build) or"
                    + " ai.djl.pytorch:pytorch-native-cu118:2.0.1:linux-x86_64 (build with -Pcu118)";
    private static final String MISSING_JNI_HINT =
            "the DJL PyTorch JNI binding is not on the classpath: add"
                    + " ai.djl.pytorch:pytorch-jni:2.0.1-0.25.0";

    private static volatile Engine engine;

    private PyTorchRuntime() {}

    /**
     * Returns the PyTorch engine, loading it on first use.
     *
     * @param intraOpThreads threads PyTorch uses inside one operator; 0 keeps PyTorch's default.
     *     Only the first call in a JVM can set it: PyTorch fixes its thread pool when it starts.
     * @return the loaded engine
     * @throws IllegalStateException naming the missing artifact when the native library cannot be
     *     found or loaded
     */
    public static Engine engine(int intraOpThreads) {
        Engine loaded = engine;
        if (loaded != null) {
            return loaded;
        }
        synchronized (PyTorchRuntime.class) {
            if (engine == null) {
                engine = load(intraOpThreads);
            }
            return engine;
        }
    }

    /** Returns the PyTorch engine with PyTorch's default thread count. */
    public static Engine engine() {
        return engine(0);
    }

    private static Engine load(int intraOpThreads) {
        checkPlatform();
        requireResource(NATIVE_MARKER, MISSING_NATIVE_HINT);
        requireResource(JNI_MARKER, MISSING_JNI_HINT);
        // Never download: the library on the classpath is the one this build was tested with.
        System.setProperty("ai.djl.offline", "true");
        if (intraOpThreads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOpThreads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        try {
            return Engine.getEngine(ENGINE_NAME);
        } catch (EngineException | IllegalArgumentException | UnsatisfiedLinkError e) {
            throw new IllegalStateException(
                    "PyTorch engine failed to load (" + rootMessage(e) + "); check that "
                            + MISSING_NATIVE_HINT.replace("is not on the classpath: add", "matches:"),
                    e);
        }
    }

    private static void checkPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !("amd64".equals(arch) || "x86_64".equals(arch))) {
            throw new IllegalStateException(
                    "this build packages the PyTorch native library for linux-x86_64 only, but this"
                            + " JVM runs on " + os + "/" + arch);
        }
    }

    private static void requireResource(String marker, String hint) {
        URL url = PyTorchRuntime.class.getClassLoader().getResource(marker);
        if (url == null) {
            throw new IllegalStateException("PyTorch engine cannot start: " + hint);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
