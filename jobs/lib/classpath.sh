# Sourced by the launchers in jobs/: sets RESNET_SPARK_HOME and RESNET_SPARK_CLASSPATH for the Spark
# line RESNET_SPARK selects (jobs/lib/spark-line.sh), building the project with Maven first when the
# build is missing or older than the sources. With RESNET_SPARK_BENCHMARKS=1 (the benchmark
# launchers) the classpath also holds the benchmarks (src/bench, test sources: they are not in the
# application jar) and their test-scope dependencies.
# RESNET_SPARK_CLASSPATH may be set by the caller to skip the build (the tests do that).

source "$(dirname "${BASH_SOURCE[0]}")/spark-line.sh"

if [ -z "${RESNET_SPARK_CLASSPATH:-}" ]; then
  if [ "${RESNET_SPARK_BENCHMARKS:-0}" = 1 ]; then
    resnet_goal=test-compile resnet_scope=test resnet_stamp="$RESNET_SPARK_BUILD/classpath-benchmarks.txt"
    resnet_classes="$RESNET_SPARK_BUILD/classes:$RESNET_SPARK_BUILD/test-classes"
    resnet_sources=("$RESNET_SPARK_HOME/src")
  else
    resnet_goal=compile resnet_scope=compile resnet_stamp="$RESNET_SPARK_BUILD/classpath.txt"
    resnet_classes="$RESNET_SPARK_BUILD/classes"
    resnet_sources=("$RESNET_SPARK_HOME/src/main")
  fi
  if [ ! -f "$resnet_stamp" ] || [ ! -d "$RESNET_SPARK_BUILD/classes" ] \
      || [ -n "$(find "${resnet_sources[@]}" "$RESNET_SPARK_HOME/pom.xml" -newer "$resnet_stamp" -print -quit 2>/dev/null)" ]; then
    echo "building resnet-spark ($RESNET_SPARK_PROFILE) with Maven (first run, or sources changed)..." >&2
    (cd "$RESNET_SPARK_HOME" && mvn -q -B -DskipTests "-P$RESNET_SPARK_PROFILE" "$resnet_goal" dependency:build-classpath \
        -Dmdep.outputFile="$resnet_stamp" -Dmdep.includeScope="$resnet_scope" >&2) || {
      echo "error: the Maven build failed (see above)" >&2
      exit 1
    }
    # Maven leaves an unchanged classpath file as it was; the stamp must say "built now".
    touch "$resnet_stamp"
  fi
  RESNET_SPARK_CLASSPATH="$resnet_classes:$(cat "$resnet_stamp")"
fi

# What Spark's own launcher adds on Java 17 (the same list as <spark.jvm.options> in pom.xml).
RESNET_SPARK_JVM_OPTIONS="-XX:+IgnoreUnrecognizedVMOptions \
--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED \
--add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
-Djdk.reflect.useDirectMethodHandle=false"
# Local Spark binds to loopback unless told otherwise.
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

# DJL extracts the native PyTorch library here once; keep it out of the home directory's default
# when the caller has not chosen.
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
