package io.resnetspark.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.EngineException;
import org.junit.jupiter.api.Test;

/** PyTorch 2.0.1's failure texts, as DJL's JNI passes them on, sorted into what the owner must do. */
class EngineFailureTest {

    private static EngineFailure kindOf(String message) {
        return EngineFailure.of(new EngineException(message));
    }

    @Test
    void outOfMemoryFromEveryAllocator() {
        assertEquals(EngineFailure.OUT_OF_MEMORY, kindOf("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78"
                + " GiB total capacity; 13.20 GiB already allocated; 1.06 GiB free)"));
        assertEquals(EngineFailure.OUT_OF_MEMORY, kindOf("CUDA error: out of memory\nCUDA kernel errors might be"
                + " asynchronously reported"));
        assertEquals(EngineFailure.OUT_OF_MEMORY, kindOf("cuDNN error: CUDNN_STATUS_ALLOC_FAILED"));
        assertEquals(EngineFailure.OUT_OF_MEMORY, kindOf("CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling"
                + " `cublasCreate(handle)`"));
        assertEquals(EngineFailure.OUT_OF_MEMORY, kindOf("[enforce fail at alloc_cpu.cpp:83] err == 0."
                + " DefaultCPUAllocator: can't allocate memory: you tried to allocate 8589934592 bytes. Error code 12"
                + " (Cannot allocate memory)"));
    }

    @Test
    void stickyCudaErrorsLoseTheDevice() {
        for (String message : new String[] {"CUDA error: an illegal memory access was encountered",
                "CUDA error: uncorrectable ECC error encountered", "CUDA error: unspecified launch failure",
                "CUDA error: device-side assert triggered", "cuDNN error: CUDNN_STATUS_EXECUTION_FAILED",
                "CUDA error: CUBLAS_STATUS_EXECUTION_FAILED when calling `cublasSgemm( handle, opa, opb, m, n, k,"
                        + " &alpha, a, lda, b, ldb, &beta, c, ldc)`"}) {
            assertEquals(EngineFailure.DEVICE_LOST, kindOf(message), message);
        }
    }

    @Test
    void anythingElseIsOneFailedBatch() {
        assertEquals(EngineFailure.OTHER, kindOf("Given groups=1, weight of size [64, 3, 7, 7], expected input[1, 4,"
                + " 224, 224] to have 3 channels"));
        assertEquals(EngineFailure.OTHER, EngineFailure.of(new IllegalArgumentException("CUDA out of memory")));
    }
}
