package io.resnetspark.bench;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** The options the Spark benchmarks share: the images, how they are split, batch size, rounds. */
final class ImageTableOptions {

    @Option(names = "--images", required = true, description = "Directory of JPEG files.")
    String images;

    @Option(names = "--batch-size", defaultValue = "16")
    int batchSize;

    @Option(names = "--master", defaultValue = "local[2]")
    String master;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the image table.")
    int partitions;

    @Option(names = "--rounds", defaultValue = "2", description = "Alternating rounds; the best of each side counts.")
    int rounds;

    /** The images as a binaryFile table, split into the requested partitions and cached. */
    Dataset<Row> table(SparkSession spark) {
        return spark.read().format("binaryFile").load(images).repartition(partitions).cache();
    }
}
