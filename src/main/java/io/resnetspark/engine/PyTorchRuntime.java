package io.resnetspark.engine;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.engine.StandardCapabilities;

/**
 * Starts DJL's PyTorch engine from the native library packaged on the classpath, offline.
 *
 * <p>DJL would otherwise download a native library at first use, or whenever it rejects the one on
 * the classpath (it ignores {@code pytorch-native-cu118} on a host without a usable CUDA runtime).
 * Platform jobs run on hosts without internet access and must run the library they were tested
 * with, so this class switches DJL to offline mode before the engine loads, and for the GPU build
 * checks the host first ({@link GpuPreflight}): a missing piece is an error naming it, never a
 * download or a silent CPU library.
 */
public final class PyTorchRuntime {

    /** Name DJL registers the PyTorch engine under. */
    public static final String ENGINE_NAME = "PyTorch";

    /**
     * DJL's offline switches: {@code offline} is what DJL 0.25 reads ({@code Utils.openUrl} refuses
     * http and https with it; {@code Ec2Utils.callHome} stays silent), {@code ai.djl.offline} what
     * DJL 0.26 and later read ({@code Utils.isOfflineMode}). Both are set, so a DJL upgrade keeps
     * the engine offline.
     */
    static final String[] OFFLINE_PROPERTIES = {"offline", "ai.djl.offline"};

    private static final String JNI_MARKER = "jnilib/pytorch.properties";
    private static final String MISSING_JNI_HINT =
            "the DJL PyTorch JNI binding is not on the classpath: add ai.djl.pytorch:pytorch-jni:2.0.1-0.25.0";

    private static volatile Engine engine;

    private PyTorchRuntime() {}

    /**
     * Returns the PyTorch engine, loading it on first use.
     *
     * @param intraOpThreads threads PyTorch uses inside one operator; 0 keeps PyTorch's default.
     *     Only the first call in a JVM can set it: PyTorch fixes its thread pool when it starts.
     * @return the loaded engine
     * @throws IllegalStateException naming the missing artifact when the native library cannot be
     *     found or loaded, or (GPU build) the missing piece of the host's CUDA stack
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

    /**
     * GPUs the loaded engine can use: 0 for the CPU build (asking it would only log driver
     * warnings), else DJL's {@code Engine.getGpuCount()}.
     */
    public static int visibleGpus() {
        Engine loaded = engine();
        return loaded.hasCapability(StandardCapabilities.CUDA) ? loaded.getGpuCount() : 0;
    }

    /** The native library this build packages. */
    public static NativeBuild build() {
        return NativeBuild.onClasspath();
    }

    /** Sets DJL's offline switches; done before anything loads DJL's {@code Engine} class. */
    static void goOffline() {
        for (String property : OFFLINE_PROPERTIES) {
            System.setProperty(property, "true");
        }
    }

    private static Engine load(int intraOpThreads) {
        checkPlatform();
        NativeBuild build = NativeBuild.onClasspath();
        if (PyTorchRuntime.class.getClassLoader().getResource(JNI_MARKER) == null) {
            throw new IllegalStateException("PyTorch engine cannot start: " + MISSING_JNI_HINT);
        }
        if (build.isCuda()) {
            GpuPreflight.require(CudaHost.system(), "the GPU build (" + build.artifact() + ") cannot start on this"
                    + " host (where no GPU is wanted, deploy the CPU jar, the default build)");
        }
        goOffline();
        if (intraOpThreads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOpThreads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        try {
            return Engine.getEngine(ENGINE_NAME);
        } catch (EngineException | IllegalArgumentException | UnsatisfiedLinkError e) {
            String root = rootMessage(e);
            String why = root.contains("Offline model is enabled")
                    ? "DJL rejected the bundled " + build.artifact() + " for this host and was stopped from"
                            + " downloading another"
                    : root;
            throw new IllegalStateException("PyTorch engine failed to load (" + why + "); check that the native"
                    + " library matches: " + NativeBuild.CPU.coordinates() + " or " + NativeBuild.CUDA_118.coordinates(), e);
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

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
