package io.resnetspark.job;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.streaming.runtime.FileStreamSource;
import org.apache.spark.sql.execution.streaming.runtime.FileStreamSourceLog;
import scala.Option;
import scala.Tuple2;

/**
 * The files a file stream's checkpoint assigned to one micro-batch: the stream's own record, in
 * which zero-byte files appear although Spark's binaryFile source yields no row for them. Read
 * with Spark's own log class (it knows the log's compaction). Spark 4 edition: the classes moved to org.apache.spark.sql.execution.streaming.runtime.
 */
final class StreamSourceLog {

    private StreamSourceLog() {}

    /**
     * @param checkpoint the stream's checkpoint location
     * @param source the source's index in the query (0 for the job's single source)
     * @return the files' URIs, as the log holds them
     */
    static List<String> filesOf(SparkSession spark, String checkpoint, int source, long batchId) {
        FileStreamSourceLog log = new FileStreamSourceLog(FileStreamSourceLog.VERSION(), spark,
                checkpoint + "/sources/" + source);
        Option<Object> batch = Option.apply(batchId);
        List<String> files = new ArrayList<>();
        for (Tuple2<Object, FileStreamSource.FileEntry[]> entries : log.get(batch, batch)) {
            for (FileStreamSource.FileEntry entry : entries._2()) {
                files.add(entry.path());
            }
        }
        return files;
    }
}
