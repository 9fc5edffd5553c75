package io.resnetspark.engine;

import ai.djl.engine.EngineException;
import java.util.List;

/**
 * What a failed forward pass means for the model that ran it. DJL 0.25's JNI turns every PyTorch
 * {@code c10::Error} and {@code std::exception} into an {@link EngineException} carrying PyTorch's
 * message ({@code API_END()} in {@code djl_pytorch_jni_exception.h}), so the kind is read from
 * PyTorch's message texts.
 */
public enum EngineFailure {
    /** The allocator could not serve the batch: a smaller batch may run. */
    OUT_OF_MEMORY,
    /** The device is unusable for this process (a sticky CUDA error): the model must be dropped. */
    DEVICE_LOST,
    /** Anything else: this batch failed, the model is fine. */
    OTHER;

    /**
     * PyTorch's out-of-memory messages: the CUDA caching allocator's ("CUDA out of memory. Tried to
     * allocate ..."), a raw cudaErrorMemoryAllocation ("CUDA error: out of memory"), cuDNN's and
     * cuBLAS's allocation statuses, and the CPU allocator's ("DefaultCPUAllocator: can't allocate
     * memory", "not enough memory" on Windows).
     */
    private static final List<String> OUT_OF_MEMORY_TEXTS = List.of("CUDA out of memory", "CUDA error: out of memory",
            "CUDNN_STATUS_ALLOC_FAILED", "CUBLAS_STATUS_ALLOC_FAILED", "DefaultCPUAllocator: can't allocate memory",
            "DefaultCPUAllocator: not enough memory");
    /**
     * Errors after which CUDA is unusable in the process (illegal address, ECC, launch failure,
     * device-side assert, a lost device...): every other CUDA, driver, cuDNN or cuBLAS error.
     */
    private static final List<String> DEVICE_TEXTS = List.of("CUDA error", "CUDA driver error", "CUDNN_STATUS_",
            "cuDNN error", "CUBLAS_STATUS_", "uncorrectable ECC", "illegal memory access");

    /** The kind of an exception thrown by a forward pass (the CUDA texts only ever come from a GPU). */
    public static EngineFailure of(Throwable error) {
        if (!(error instanceof EngineException)) {
            return OTHER;
        }
        String message = String.valueOf(error.getMessage());
        if (OUT_OF_MEMORY_TEXTS.stream().anyMatch(message::contains)) {
            return OUT_OF_MEMORY;
        }
        if (DEVICE_TEXTS.stream().anyMatch(message::contains)) {
            return DEVICE_LOST;
        }
        return OTHER;
    }
}
