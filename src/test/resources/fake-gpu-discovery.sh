#!/bin/sh
# Fake GPU discovery for Spark's resource scheduler, for tests on machines without GPUs.
#
# Spark runs the script named by spark.worker.resource.gpu.discoveryScript (or
# spark.executor.resource.gpu.discoveryScript) and reads one ResourceInformation JSON object from
# its standard output. This one reports the comma-separated addresses in RESNET_FAKE_GPU_ADDRESSES
# (default "2,3": deliberately not starting at 0, so a model that lands on GPU 0 instead of the
# assigned GPU is caught). Give each worker its own list through the worker's environment.
set -eu
addresses="${RESNET_FAKE_GPU_ADDRESSES:-2,3}"
json=""
old_ifs=$IFS
IFS=','
for address in $addresses; do
    address=$(printf '%s' "$address" | tr -d ' ')
    [ -n "$address" ] || continue
    json="${json:+$json, }\"$address\""
done
IFS=$old_ifs
printf '{"name": "gpu", "addresses": [%s]}\n' "$json"
