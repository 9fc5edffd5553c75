package io.resnetspark.job;

import io.resnetspark.model.Precision;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;

/**
 * Whether the run's executors compute fp32 convolutions in true float32 or in TF32, as far as the
 * driver can tell: NVIDIA's libraries turn TF32 off for a process that starts with
 * {@code NVIDIA_TF32_OVERRIDE=0}, which executors get from {@code spark.executorEnv.*} (or, in
 * local mode, from this process's environment). It matters on GPUs of the Ampere generation and
 * newer only; on the CPU there is no TF32.
 *
 * @param precision the model's precision
 * @param override the value executors get, or null when they get none
 */
record Tf32Status(String precision, String override) {

    static Tf32Status of(SparkConf spark, String precision) {
        String key = "spark.executorEnv." + Precision.TF32_OVERRIDE;
        String value = spark.contains(key) ? spark.get(key)
                : spark.get("spark.master", "").startsWith("local") ? System.getenv(Precision.TF32_OVERRIDE) : null;
        return new Tf32Status(precision, value);
    }

    boolean disabled() {
        return "0".equals(override);
    }

    Map<String, Object> asJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("disabled", disabled());
        json.put(Precision.TF32_OVERRIDE, override);
        json.put("note", disabled() ? "TF32 off on GPUs: fp32 convolutions are float32"
                : "on Ampere and newer GPUs cuDNN convolutions run in TF32 (set spark.executorEnv."
                        + Precision.TF32_OVERRIDE + "=0 to turn it off); no effect on CPUs");
        return json;
    }
}
