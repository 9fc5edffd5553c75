"""Airflow DAG: score the day's images with resnet-spark on a Spark cluster.

The run id is the logical date ({{ ds }}): a retry or a backfill of a day replaces exactly that
day's output. The job's exit code tells Airflow what happened: 0 success; 2 config error (do not
retry); 3 failure budget exceeded (too many invalid images; the run was not published); 4 runtime
failure (retry). The run summary is the last line of the driver's stdout and is also written to
<output>/_runs/<run id>.json.
"""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

APP_JAR = "/opt/resnet-spark/resnet-spark-0.1.0-SNAPSHOT-pytorch-native-cu118.jar"

with DAG(
    dag_id="resnet_score_daily",
    start_date=datetime(2026, 1, 1),
    schedule="30 2 * * *",
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
) as dag:
    SparkSubmitOperator(
        task_id="score_images",
        application=APP_JAR,
        java_class="io.resnetspark.job.ScoringJob",
        conn_id="spark_default",
        files="/opt/resnet-spark/conf/job.conf",
        application_args=[
            "--config", "job.conf",
            "--input", "hdfs:///data/images/{{ ds }}",
            "--run-id", "{{ ds }}",
        ],
        conf={
            "spark.executor.resource.gpu.amount": "1",
            "spark.task.resource.gpu.amount": "0.25",
            "spark.executor.resource.gpu.discoveryScript": "/opt/spark/examples/src/main/scripts/getGpusResources.sh",
            "spark.executor.cores": "4",
            "spark.executor.memoryOverhead": "4g",
        },
    )
