package io.resnetspark.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Properties;

/**
 * Which PyTorch native library this build packages: the CPU one or the CUDA 11.8 one, read from the
 * {@code native/lib/pytorch.properties} that DJL itself reads ({@code Platform.fromUrl}, key
 * {@code flavor}).
 */
public enum NativeBuild {
    CPU("pytorch-native-cpu", "the default build"),
    CUDA_118("pytorch-native-cu118", "build with -Pcu118");

    /** The resource DJL's {@code Platform.detectPlatform("pytorch")} looks for. */
    static final String PROPERTIES = "native/lib/pytorch.properties";

    private final String artifact;
    private final String howToBuild;

    NativeBuild(String artifact, String howToBuild) {
        this.artifact = artifact;
        this.howToBuild = howToBuild;
    }

    /** The Maven artifact id of the native library, e.g. {@code pytorch-native-cu118}. */
    public String artifact() {
        return artifact;
    }

    /** Its Maven coordinates and how this project builds a jar with it. */
    public String coordinates() {
        return "ai.djl.pytorch:" + artifact + ":2.0.1:linux-x86_64 (" + howToBuild + ")";
    }

    public boolean isCuda() {
        return this == CUDA_118;
    }

    /**
     * The build whose native library is on the classpath.
     *
     * @throws IllegalStateException naming both artifacts when there is none, or its flavor is
     *     neither {@code cpu} nor {@code cu118}
     */
    public static NativeBuild onClasspath() {
        URL url = NativeBuild.class.getClassLoader().getResource(PROPERTIES);
        if (url == null) {
            throw new IllegalStateException("PyTorch engine cannot start: the PyTorch native library is not on the"
                    + " classpath: add " + CPU.coordinates() + " or " + CUDA_118.coordinates());
        }
        Properties properties = new Properties();
        try (InputStream in = url.openStream()) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + url, e);
        }
        String flavor = properties.getProperty("flavor", "");
        switch (flavor) {
            case "cpu":
                return CPU;
            case "cu118":
                return CUDA_118;
            default:
                throw new IllegalStateException("PyTorch engine cannot start: " + url + " is a native library of"
                        + " flavor '" + flavor + "'; this project runs with " + CPU.coordinates() + " or "
                        + CUDA_118.coordinates());
        }
    }
}
