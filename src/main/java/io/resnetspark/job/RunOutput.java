package io.resnetspark.job;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The output directory of a run and its atomic replacement. A run writes into a staging directory
 * (its name starts with an underscore, so Spark readers ignore it), and only a complete, accepted
 * run is moved to {@code <output>/run_id=<id>}: a rename, atomic on HDFS and local file systems.
 * A rerun with the same id moves the old directory aside first and deletes it after, so readers
 * see the old rows or the new rows, never a mix and never half a run. (Object stores such as S3
 * have no atomic rename; there the replacement is a copy, as with any Spark output committer.)
 */
final class RunOutput {

    static final String RUN_PARTITION = "run_id";

    private final Path root;
    private final String runId;
    private final FileSystem fs;
    private final Path staging;

    RunOutput(String root, String runId, Configuration conf) throws IOException {
        this.root = new Path(root);
        this.runId = runId;
        this.fs = this.root.getFileSystem(conf);
        this.staging = new Path(this.root, "_staging/" + RUN_PARTITION + "=" + runId + "." + UUID.randomUUID());
    }

    Path root() {
        return root;
    }

    Path staging() {
        return staging;
    }

    /** A staging directory of its own for one part of a run (a stream's micro-batch). */
    Path staging(String part) {
        return new Path(root, "_staging/" + RUN_PARTITION + "=" + runId + "." + part + "." + UUID.randomUUID());
    }

    /** Deletes a staging directory made by {@link #staging(String)}. */
    void discard(Path partStaging) throws IOException {
        fs.delete(partStaging, true);
    }

    Path published() {
        return new Path(root, RUN_PARTITION + "=" + runId);
    }

    boolean hasPublishedRuns() throws IOException {
        return fs.exists(root) && fs.listStatus(root, p -> p.getName().startsWith(RUN_PARTITION + "=")).length > 0;
    }

    /** Moves the staged rows into place, replacing an earlier run with the same id. */
    void publish() throws IOException {
        Path target = published();
        Path retired = null;
        if (fs.exists(target)) {
            retired = new Path(root, "_staging/retired." + RUN_PARTITION + "=" + runId + "." + UUID.randomUUID());
            rename(target, retired);
        }
        rename(staging, target);
        if (retired != null) {
            fs.delete(retired, true);
        }
    }

    /**
     * Drops what earlier attempts of this run id left in staging (a driver that died before it
     * could clean up); they were never published. Runs with the same id at the same time are not
     * supported: the last to publish wins anyway.
     */
    void discardStaleStaging() throws IOException {
        Path dir = staging.getParent();
        if (!fs.exists(dir)) {
            return;
        }
        String prefix = RUN_PARTITION + "=" + runId + ".";
        for (org.apache.hadoop.fs.FileStatus stale : fs.listStatus(dir, p -> p.getName().startsWith(prefix))) {
            fs.delete(stale.getPath(), true);
        }
    }

    /** Drops the staged rows of a run that is not published (failed, or over its failure budget). */
    void discard() throws IOException {
        fs.delete(staging, true);
    }

    /** Writes the run summary next to the output: {@code <output>/_runs/<run id>.json}. */
    Path writeSummary(String json) throws IOException {
        Path file = new Path(root, "_runs/" + runId + ".json");
        try (OutputStream out = fs.create(file, true)) {
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    private void rename(Path from, Path to) throws IOException {
        fs.mkdirs(to.getParent());
        if (!fs.rename(from, to)) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
    }
}
