# Sourced by the launchers in jobs/: which Spark line to run. RESNET_SPARK=4 selects the Spark 4
# build (Scala 2.13, mvn -Pspark-4, built into target/spark-4); unset or 3.5, the default Spark 3.5
# build (Scala 2.12, target/). Sets RESNET_SPARK_HOME, RESNET_SPARK_PROFILE and RESNET_SPARK_BUILD.

RESNET_SPARK_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

case "${RESNET_SPARK:-3.5}" in
  3 | 3.5)
    RESNET_SPARK_PROFILE=spark-3.5
    RESNET_SPARK_BUILD="$RESNET_SPARK_HOME/target"
    ;;
  4 | 4.*)
    RESNET_SPARK_PROFILE=spark-4
    RESNET_SPARK_BUILD="$RESNET_SPARK_HOME/target/spark-4"
    ;;
  *)
    echo "error: RESNET_SPARK must be 3.5 (the default) or 4, got '$RESNET_SPARK'" >&2
    exit 2
    ;;
esac
