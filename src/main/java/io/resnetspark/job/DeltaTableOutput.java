package io.resnetspark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The job's output as a Delta Lake table at the output path, partitioned by {@code run_id}.
 * Delta's transaction log makes every write one atomic commit on any file system Delta supports,
 * object stores included, where a directory rename is a copy and cannot be:
 *
 * <ul>
 *   <li>a batch run's rows replace that run's partition in one commit ({@code replaceWhere
 *       run_id = '<id>'}): readers see the run's old rows or its new ones, never a mix; runs with
 *       other ids write other partitions and do not conflict with it;
 *   <li>a stream's micro-batch is appended with Delta's idempotent-write options ({@code txnAppId}
 *       naming the stream, {@code txnVersion} its batch id), so a batch replayed after a failure
 *       is not written twice.
 * </ul>
 *
 * <p>Each commit carries user metadata naming the run and its attempt, by which the version it
 * committed is found in the table's history.
 */
final class DeltaTableOutput {

    static final String FORMAT = "delta";

    /** How far back in the history a commit of this process is looked for (other runs may commit meanwhile). */
    private static final int HISTORY_DEPTH = 100;

    private final SparkSession spark;
    private final String path;
    private final boolean mergeSchema;

    DeltaTableOutput(SparkSession spark, String path, boolean mergeSchema) {
        this.spark = spark;
        this.path = path;
        this.mergeSchema = mergeSchema;
    }

    String path() {
        return path;
    }

    boolean exists() {
        return DeltaTable.isDeltaTable(spark, path);
    }

    /** The table's rows (it must exist). */
    Dataset<Row> read() {
        return spark.read().format(FORMAT).load(path);
    }

    /**
     * Refuses, before anything is scored, a run whose columns differ from the table's: a new
     * column (say outputs.probabilities turned on) or a missing one changes what the table holds,
     * so it happens only when output.merge-schema asks for it; a column whose type differs is
     * refused always (Delta cannot merge it, and the table would stop being one schema).
     *
     * @param rows the run's output columns, without run_id
     */
    void checkSchema(StructType rows) {
        if (!exists()) {
            return;
        }
        Map<String, String> table = types(read().schema());
        table.remove(RunOutput.RUN_PARTITION);
        Map<String, String> run = types(rows);
        List<String> added = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> retyped = new ArrayList<>();
        run.forEach((name, type) -> {
            if (!table.containsKey(name)) {
                added.add(name);
            } else if (!table.get(name).equals(type)) {
                retyped.add(name + " (table: " + table.get(name) + ", this run: " + type + ")");
            }
        });
        table.keySet().stream().filter(name -> !run.containsKey(name)).forEach(missing::add);
        if (!retyped.isEmpty()) {
            throw new JobConfigException("the Delta table at " + path + " has other types for the columns " + retyped
                    + "; write this run to another output path");
        }
        if ((!added.isEmpty() || !missing.isEmpty()) && !mergeSchema) {
            throw new JobConfigException("the Delta table at " + path + " has other columns than this run writes"
                    + (added.isEmpty() ? "" : "; new in this run: " + added)
                    + (missing.isEmpty() ? "" : "; not written by this run (they would be null in its rows): " + missing)
                    + ". Set output.merge-schema = true to change the table's schema, or match outputs.* to the table");
        }
    }

    /**
     * Replaces the rows of run {@code runId} with {@code rows}, in one commit, and returns the
     * table version it committed.
     */
    long replaceRun(Dataset<Row> rows, String runId) {
        String token = "resnet-spark run " + runId + " attempt " + UUID.randomUUID();
        writer(rows.withColumn(RunOutput.RUN_PARTITION, lit(runId)))
                .mode(SaveMode.Overwrite)
                // run.id is letters, digits and . _ : - (JobConfig), so it needs no quoting here.
                .option("replaceWhere", RunOutput.RUN_PARTITION + " = '" + runId + "'")
                .option("userMetadata", token)
                .save(path);
        return committedVersion(token).orElseThrow(() -> new IllegalStateException(
                "the commit of run " + runId + " is not in the last " + HISTORY_DEPTH + " versions of " + path));
    }

    /**
     * Appends micro-batch {@code batchId} of the stream {@code streamId} under run {@code runId},
     * unless that batch is in the table already (a replay after a restart).
     *
     * @return the version committed, or empty when Delta skipped the batch as already written
     */
    OptionalLong appendBatch(Dataset<Row> rows, String runId, String streamId, long batchId) {
        String token = "resnet-spark stream " + streamId + " batch " + batchId + " run " + runId + " attempt "
                + UUID.randomUUID();
        writer(rows.withColumn(RunOutput.RUN_PARTITION, lit(runId)))
                .mode(SaveMode.Append)
                .option("txnAppId", streamId)
                .option("txnVersion", batchId)
                .option("userMetadata", token)
                .save(path);
        return committedVersion(token);
    }

    /** The rows of earlier runs scored without error with these weights and preprocessing. */
    Dataset<Row> scoredBefore(String idColumn, String fingerprint, String preprocessing, String runId) {
        return read().filter(col("weights_fingerprint").equalTo(fingerprint)
                        .and(col("preprocessing").equalTo(preprocessing))
                        .and(col("error").isNull())
                        .and(col(RunOutput.RUN_PARTITION).notEqual(runId)))
                .select(idColumn).distinct();
    }

    private DataFrameWriter<Row> writer(Dataset<Row> rows) {
        DataFrameWriter<Row> writer = rows.write().format(FORMAT).partitionBy(RunOutput.RUN_PARTITION);
        return mergeSchema ? writer.option("mergeSchema", "true") : writer;
    }

    private OptionalLong committedVersion(String token) {
        for (Row commit : DeltaTable.forPath(spark, path).history(HISTORY_DEPTH)
                .select("version", "userMetadata").collectAsList()) {
            if (Objects.equals(commit.getString(1), token)) {
                return OptionalLong.of(commit.getLong(0));
            }
        }
        return OptionalLong.empty();
    }

    /** Column name to type, nullability left out (Delta stores every column as nullable). */
    private static Map<String, String> types(StructType schema) {
        Map<String, String> types = new LinkedHashMap<>();
        for (StructField field : schema.fields()) {
            types.put(field.name(), field.dataType().catalogString());
        }
        return types;
    }
}
