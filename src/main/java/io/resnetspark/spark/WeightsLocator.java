package io.resnetspark.spark;

import io.resnetspark.weights.TensorFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;

/**
 * Finds weights by URI: on the driver to fingerprint them before any task runs, on an executor to
 * load them. Any file system Hadoop reads works (file, HDFS, S3A, ...); remote files are copied to
 * a local temporary file first because the loader reads a local file.
 */
final class WeightsLocator {

    private WeightsLocator() {}

    /** Fingerprints already computed in this JVM, by URI, length and modification time. */
    private static final Map<String, String> FINGERPRINTS = new ConcurrentHashMap<>();

    /**
     * SHA-256 fingerprint of the weights, read through Hadoop ({@code sha256:<hex>}). Remembered
     * while the file's length and modification time stay the same, so that analysing many SQL
     * queries or transforms does not hash a large file each time.
     */
    static String fingerprint(String uri, Configuration conf) {
        try {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
            org.apache.hadoop.fs.FileStatus status = path.getFileSystem(conf).getFileStatus(path);
            String key = status.getPath() + "|" + status.getLen() + "|" + status.getModificationTime();
            String known = FINGERPRINTS.get(key);
            if (known != null) {
                return known;
            }
            try (LocalWeights local = localCopy(uri, conf)) {
                String fingerprint = "sha256:" + TensorFiles.sha256(local.path());
                FINGERPRINTS.put(key, fingerprint);
                return fingerprint;
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("weights " + uri + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * A local file with the weights' bytes: the file itself when it is on a local file system,
     * otherwise a temporary copy deleted on close. A local path missing on an executor host is
     * looked up among the files Spark shipped ({@code spark-submit --files}, {@code addFile}).
     */
    static LocalWeights localCopy(String uri, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        if ("file".equals(fs.getScheme())) {
            Path local = Path.of(fs.makeQualified(path).toUri());
            if (!Files.exists(local)) {
                Path shipped = shippedCopy(local.getFileName().toString());
                if (shipped != null) {
                    return new LocalWeights(shipped, false);
                }
                throw new java.nio.file.NoSuchFileException(
                        local + " (on host " + java.net.InetAddress.getLocalHost().getHostName()
                                + "; put the weights on shared storage such as HDFS or S3A, or ship"
                                + " them with spark-submit --files)");
            }
            return new LocalWeights(local, false);
        }
        Path copy = Files.createTempFile("resnet-weights", ".tmp");
        try (InputStream in = fs.open(path)) {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
        return new LocalWeights(copy, true);
    }

    private static Path shippedCopy(String fileName) {
        try {
            Path shipped = Path.of(SparkFiles.get(fileName));
            return Files.isRegularFile(shipped) ? shipped : null;
        } catch (RuntimeException e) {
            return null; // no SparkContext / SparkEnv here: nothing was shipped
        }
    }

    /** A local weights file, deleted on close when it is a temporary copy. */
    record LocalWeights(Path path, boolean temporary) implements AutoCloseable {
        @Override
        public void close() {
            if (temporary) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
