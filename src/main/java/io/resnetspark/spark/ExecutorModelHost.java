package io.resnetspark.spark;

import ai.djl.Device;
import io.resnetspark.engine.DeviceChoice;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.model.Precision;
import io.resnetspark.model.ResNetModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models resident in this JVM (one Spark executor), one per (weights fingerprint,
 * architecture, device, precision), shared by every task thread of the executor. A model loads
 * the first time a task asks for it; it is never loaded per task or per partition.
 *
 * <p>At most {@link ModelSource#maxResidentModels()} models stay resident (the latest task's
 * setting applies): beyond that the least recently used one is evicted, but only once no task holds
 * it (a task holds its model until it completes) and after its queued batches have run; its native
 * memory is then freed. While more models than the bound are in use at once, the extra ones are
 * evicted as soon as their tasks end. A model whose GPU failed is dropped at once.
 */
public final class ExecutorModelHost {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModelHost.class);
    /** Resident models in least-recently-used order; guarded by itself. */
    private static final Map<String, Resident> RESIDENT = new LinkedHashMap<>(16, 0.75f, true);
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static final AtomicInteger FREES = new AtomicInteger();
    private static int maxResident = ModelSource.DEFAULT_MAX_RESIDENT_MODELS;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModelHost::stopAllAtExit, "resnet-model-stop"));
    }

    /** A model and the number of holders that may still submit to it. */
    private static final class Resident {
        final String key;
        final ScoringService service;
        int holders;

        Resident(String key, ScoringService service) {
            this.key = key;
            this.service = service;
        }
    }

    /** A hold on a resident model: it is not evicted until every hold is closed. */
    static final class Lease implements AutoCloseable {
        private final Resident resident;
        private boolean closed;

        private Lease(Resident resident) {
            this.resident = resident;
        }

        ScoringService service() {
            return resident.service;
        }

        @Override
        public void close() {
            List<Resident> evicted;
            synchronized (RESIDENT) {
                if (closed) {
                    return;
                }
                closed = true;
                resident.holders--;
                evicted = evictBeyondBound();
            }
            free(evicted);
        }
    }

    private ExecutorModelHost() {}

    /**
     * The scoring service for a model on the device this task should use, loading the model on
     * first use in this JVM. The running task holds it until it completes.
     */
    static ScoringService serviceFor(ModelSource source, int batchSize, int logEveryBatches, Configuration conf) {
        Lease lease = acquire(source, batchSize, logEveryBatches, conf);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskContext done) -> lease.close());
        }
        return lease.service();
    }

    /** A hold on the model {@code source} names, on this task's device, loading it if needed. */
    static Lease acquire(ModelSource source, int batchSize, int logEveryBatches, Configuration conf) {
        PyTorchRuntime.engine(source.intraOpThreads());
        Optional<String> assigned = DevicePlacement.assignedGpu(TaskContext.get());
        Device device = DevicePlacement.resolve(DeviceChoice.parse(source.device()), assigned,
                PyTorchRuntime.visibleGpus());
        String key = source.hostKey(device.toString());
        Lease lease;
        List<Resident> evicted;
        synchronized (RESIDENT) {
            maxResident = source.maxResidentModels();
            Resident resident = RESIDENT.get(key);
            if (resident == null) {
                resident = new Resident(key, load(source, device, batchSize, logEveryBatches, conf));
                Resident loaded = resident;
                resident.service.onDeviceLost(service -> drop(loaded));
                RESIDENT.put(key, resident);
            }
            resident.holders++;
            resident.service.requestBatchSize(batchSize);
            lease = new Lease(resident);
            evicted = evictBeyondBound();
        }
        free(evicted);
        return lease;
    }

    private static ScoringService load(
            ModelSource source, Device device, int batchSize, int logEveryBatches, Configuration conf) {
        long start = System.nanoTime();
        Precision precision = source.parsedPrecision();
        precision.checkDevice(device);
        if (device.isGpu() && precision == Precision.FP32 && !Precision.tf32Disabled()) {
            LOG.warn("precision fp32 on {} without {}=0 in the executor's environment: cuDNN convolutions run in TF32"
                    + " on Ampere and newer GPUs (set spark.executorEnv.{}=0)", device, Precision.TF32_OVERRIDE,
                    Precision.TF32_OVERRIDE);
        }
        ResNetModel model;
        if (source.seeded()) {
            model = ResNetModel.seeded(source.spec(), source.seed(), device, precision);
        } else {
            try (WeightsLocator.LocalWeights local = WeightsLocator.localCopy(source.weightsUri(), conf)) {
                model = ResNetModel.load(source.spec(), local.path(), device, precision);
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
        LOG.info("loaded {} weights {} on {} in {} ({}) in {} ms (model load #{} in this JVM)", source.spec(),
                source.fingerprint(), device, precision, tf32Status(device, precision),
                (System.nanoTime() - start) / 1_000_000, loads);
        return new ScoringService(model, batchSize, logEveryBatches);
    }

    private static String tf32Status(Device device, Precision precision) {
        if (!device.isGpu()) {
            return "no TF32 on the CPU";
        }
        return Precision.tf32Disabled() ? "TF32 disabled" : "TF32 allowed";
    }

    /** Removes least recently used models nobody holds until the bound is met; under the lock. */
    private static List<Resident> evictBeyondBound() {
        List<Resident> evicted = new ArrayList<>();
        Iterator<Resident> oldestFirst = RESIDENT.values().iterator();
        while (RESIDENT.size() > maxResident && oldestFirst.hasNext()) {
            Resident candidate = oldestFirst.next();
            if (candidate.holders == 0) {
                oldestFirst.remove();
                evicted.add(candidate);
            }
        }
        return evicted;
    }

    /** Frees evicted models outside the lock: each first finishes the batches queued on it. */
    private static void free(List<Resident> evicted) {
        for (Resident resident : evicted) {
            LOG.info("evicting {} (more than {} resident models)", resident.key, maxResident);
            if (resident.service.stopAndFree()) {
                FREES.incrementAndGet();
            }
        }
    }

    /** Drops a model whose device failed; freed on a thread of its own (the owner thread reports it). */
    private static void drop(Resident resident) {
        synchronized (RESIDENT) {
            RESIDENT.remove(resident.key, resident);
        }
        Thread release = new Thread(() -> free(List.of(resident)), "resnet-model-drop");
        release.setDaemon(true);
        release.start();
    }

    /** How many models this JVM has loaded: the proof that it is once per executor. */
    public static int loadCount() {
        return LOADS.get();
    }

    /** How many models this JVM has freed (evicted or dropped). */
    public static int freeCount() {
        return FREES.get();
    }

    /** How many models are resident now. */
    public static int residentCount() {
        synchronized (RESIDENT) {
            return RESIDENT.size();
        }
    }

    /**
     * At JVM exit: stops every owner thread after its batch, so that nothing uses the engine while
     * its native libraries tear down, and frees nothing (the process's memory, the GPU's included,
     * goes back to the system as it ends; frees during CUDA's teardown can crash).
     */
    static void stopAllAtExit() {
        List<Resident> all;
        synchronized (RESIDENT) {
            all = new ArrayList<>(RESIDENT.values());
        }
        for (Resident resident : all) {
            resident.service.stop();
        }
    }
}
