package io.resnetspark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Image files as Spark's {@code binaryFile} source reads them, batch or one micro-batch of a
 * stream, with the zero-byte files it drops put back.
 */
final class ImageFiles {

    private ImageFiles() {}

    /** The files Spark listed for a binaryFile input, zero-byte ones included, as Hadoop paths. */
    static List<String> listed(Dataset<Row> files) {
        // inputFiles() gives encoded URIs (file:///a%20b.jpg); the path column the decoded form
        // that Hadoop's Path prints (file:/a b.jpg).
        return asPaths(List.of(files.inputFiles()));
    }

    /** File URIs (file:///a%20b.jpg) as the path column holds them (file:/a b.jpg). */
    static List<String> asPaths(List<String> uris) {
        List<String> paths = new ArrayList<>();
        for (String uri : uris) {
            paths.add(new Path(java.net.URI.create(uri)).toString());
        }
        return paths;
    }

    /**
     * Spark's binaryFile source never produces a row for a zero-byte file. Such files are listed,
     * though, so they are added back with empty content: they then come out as invalid rows with
     * reason "empty" instead of vanishing from the output and the counts.
     */
    static Dataset<Row> withEmptyFiles(SparkSession spark, Dataset<Row> files, List<String> listed) {
        if (listed.isEmpty()) {
            return files;
        }
        Dataset<Row> all = spark.createDataset(listed, Encoders.STRING()).toDF("path");
        Dataset<Row> empty = all.join(files.select("path"), all.col("path").equalTo(files.col("path")), "left_anti")
                .select(col("path"), lit(null).cast("timestamp").as("modificationTime"), lit(0L).as("length"),
                        lit(new byte[0]).as("content"));
        return files.unionByName(empty);
    }
}
