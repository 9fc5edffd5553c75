# Sourced by jobs/sql-server and jobs/spark-sql: where Spark's Hive catalog keeps its state (the
# Derby metastore and the warehouse) for local runs, so that tables outlive one process and
# nothing is written to the working directory. RESNET_HIVE_STATE overrides the directory.

source "$(dirname "${BASH_SOURCE[0]}")/spark-line.sh"
if [ "$RESNET_SPARK_PROFILE" != spark-3.5 ]; then
  echo "error: Spark's Thrift server and spark-sql shell are on the Spark 3.5 line only (Maven Central" \
    "serves spark-hive-thriftserver for Scala 2.12 only); unset RESNET_SPARK or set RESNET_SPARK=3.5" >&2
  exit 2
fi

RESNET_HIVE_STATE="${RESNET_HIVE_STATE:-${TMPDIR:-/tmp}/resnet-spark-hive}"

# Java options for a local Spark with the ResNet SQL functions and a Hive catalog under $1.
resnet_hive_java_options() {
  local state="$1"
  mkdir -p "$state"
  printf '%s\n' \
    "-Dspark.sql.extensions=io.resnetspark.sql.ResNetSqlExtensions" \
    "-Dspark.sql.warehouse.dir=$state/warehouse" \
    "-Dspark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=$state/metastore_db;create=true" \
    "-Dderby.system.home=$state" \
    "-Dspark.ui.enabled=false"
}
