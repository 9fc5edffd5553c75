package io.resnetspark.spark;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import io.resnetspark.engine.DeviceChoice;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.model.ResNetModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models resident in this JVM (one Spark executor), one per (weights fingerprint,
 * architecture, device, precision), shared by every task thread of the executor. A model loads
 * the first time a task asks for it and stays until the JVM exits; it is never loaded per task or
 * per partition.
 */
public final class ExecutorModelHost {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModelHost.class);
    private static final Map<String, ScoringService> SERVICES = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModelHost::releaseAll, "resnet-model-release"));
    }

    private ExecutorModelHost() {}

    /**
     * The scoring service for a model on the device this task should use, loading the model on
     * first use in this JVM.
     */
    static ScoringService serviceFor(ModelSource source, int batchSize, int logEveryBatches, Configuration conf) {
        Engine engine = PyTorchRuntime.engine(source.intraOpThreads());
        int visibleGpus = engine.hasCapability(StandardCapabilities.CUDA) ? engine.getGpuCount() : 0;
        Optional<String> assigned = DevicePlacement.assignedGpu(TaskContext.get());
        Device device = DevicePlacement.resolve(DeviceChoice.parse(source.device()), assigned, visibleGpus);
        ScoringService service =
                SERVICES.computeIfAbsent(source.hostKey(device.toString()), key -> load(source, device, batchSize, logEveryBatches, conf));
        service.requestBatchSize(batchSize);
        return service;
    }

    private static ScoringService load(
            ModelSource source, Device device, int batchSize, int logEveryBatches, Configuration conf) {
        long start = System.nanoTime();
        ResNetModel model;
        if (source.seeded()) {
            model = ResNetModel.seeded(source.spec(), source.seed(), device);
        } else {
            try (WeightsLocator.LocalWeights local = WeightsLocator.localCopy(source.weightsUri(), conf)) {
                model = ResNetModel.load(source.spec(), local.path(), device);
            } catch (IOException e) {
                throw new UncheckedIOException("weights " + source.weightsUri() + ": " + e.getMessage(), e);
            }
            if (!model.weightsFingerprint().equals(source.fingerprint())) {
                String loaded = model.weightsFingerprint();
                model.close();
                throw new IllegalStateException("weights " + source.weightsUri() + " changed while the job ran: the"
                        + " driver saw " + source.fingerprint() + ", this executor read " + loaded);
            }
        }
        int loads = LOADS.incrementAndGet();
        LOG.info("loaded {} weights {} on {} in {} ms (model load #{} in this JVM)", source.spec(),
                source.fingerprint(), device, (System.nanoTime() - start) / 1_000_000, loads);
        return new ScoringService(model, batchSize, logEveryBatches);
    }

    /** How many models this JVM has loaded: the proof that it is once per executor. */
    public static int loadCount() {
        return LOADS.get();
    }

    /** Frees every resident model; runs at JVM exit. */
    static void releaseAll() {
        for (ScoringService service : SERVICES.values()) {
            service.close();
        }
        SERVICES.clear();
    }
}
