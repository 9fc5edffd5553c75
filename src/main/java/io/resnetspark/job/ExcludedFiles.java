package io.resnetspark.job;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.GlobFilter;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The files under an image input that the run does not read, so that the summary can say so
 * instead of leaving them out silently: those whose name {@code input.file-filter} does not match,
 * and hidden ones, which Spark's file sources always skip (a name, or a directory on the way,
 * starting with "." or "_").
 *
 * <p>Found by listing the input once more and taking away the files Spark listed, so that Spark's
 * own rules decide what was read; the filter only tells the two kinds of exclusion apart. The
 * second listing costs about as much as Spark's own.
 *
 * @param byFilter files whose name the filter does not match
 * @param hidden files the filter matches and Spark skipped
 * @param examples a few of the excluded files' names, filter exclusions first
 */
record ExcludedFiles(long byFilter, long hidden, List<String> examples) {

    /** How many excluded file names the summary and the log show. */
    static final int EXAMPLES = 5;

    static final ExcludedFiles NONE = new ExcludedFiles(0, 0, List.of());

    /**
     * @param input input.path: a directory, a file or a glob
     * @param fileFilter input.file-filter, a glob over file names
     * @param read the files Spark listed, as Hadoop paths
     */
    static ExcludedFiles find(Configuration hadoop, String input, String fileFilter, Collection<String> read)
            throws IOException {
        Set<String> readPaths = new HashSet<>(read);
        GlobFilter filter = new GlobFilter(fileFilter);
        Path pattern = new Path(input);
        FileSystem fs = pattern.getFileSystem(hadoop);
        FileStatus[] roots = fs.globStatus(pattern);
        long byFilter = 0;
        long hidden = 0;
        List<String> filtered = new ArrayList<>();
        List<String> hiddenNames = new ArrayList<>();
        for (FileStatus root : roots == null ? new FileStatus[0] : roots) {
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(root.getPath(), true);
            while (files.hasNext()) {
                Path file = files.next().getPath();
                if (readPaths.contains(file.toString())) {
                    continue;
                }
                if (filter.accept(file)) {
                    hidden++;
                    addExample(hiddenNames, relative(file, root.getPath()));
                } else {
                    byFilter++;
                    addExample(filtered, relative(file, root.getPath()));
                }
            }
        }
        List<String> examples = new ArrayList<>(filtered);
        hiddenNames.stream().limit(EXAMPLES - examples.size()).forEach(examples::add);
        return new ExcludedFiles(byFilter, hidden, List.copyOf(examples));
    }

    long total() {
        return byFilter + hidden;
    }

    private static void addExample(List<String> examples, String name) {
        if (examples.size() < EXAMPLES) {
            examples.add(name);
        }
    }

    private static String relative(Path file, Path root) {
        String base = root.toString();
        String path = file.toString();
        return path.startsWith(base + "/") ? path.substring(base.length() + 1) : file.getName();
    }
}
