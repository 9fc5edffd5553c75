# Sourced by the launchers in jobs/: sets RESNET_SPARK_HOME and RESNET_SPARK_CLASSPATH, building
# the project with Maven first when the build is missing or older than the sources.
# RESNET_SPARK_CLASSPATH may be set by the caller to skip the build (the tests do that).

RESNET_SPARK_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

resnet_spark_build_is_stale() {
  local stamp="$RESNET_SPARK_HOME/target/classpath.txt"
  [ -f "$stamp" ] || return 0
  [ -d "$RESNET_SPARK_HOME/target/classes" ] || return 0
  [ -n "$(find "$RESNET_SPARK_HOME/src/main" "$RESNET_SPARK_HOME/pom.xml" -newer "$stamp" -print -quit)" ]
}

if [ -z "${RESNET_SPARK_CLASSPATH:-}" ]; then
  if resnet_spark_build_is_stale; then
    echo "building resnet-spark with Maven (first run, or sources changed)..." >&2
    (cd "$RESNET_SPARK_HOME" && mvn -q -B -DskipTests compile dependency:build-classpath \
        -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=compile >&2) || {
      echo "error: the Maven build failed (see above)" >&2
      exit 1
    }
    # Maven leaves an unchanged classpath file as it was; the stamp must say "built now".
    touch "$RESNET_SPARK_HOME/target/classpath.txt"
  fi
  RESNET_SPARK_CLASSPATH="$RESNET_SPARK_HOME/target/classes:$(cat "$RESNET_SPARK_HOME/target/classpath.txt")"
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
