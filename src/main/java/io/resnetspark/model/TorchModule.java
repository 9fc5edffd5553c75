package io.resnetspark.model;

import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * A block that knows the torchvision state_dict keys of its parameters and buffers. The names are
 * the contract with torchvision checkpoints, so each block states them explicitly instead of
 * relying on DJL's generated child names ({@code 01conv1}).
 */
interface TorchModule {

    /**
     * Adds this module's parameters under {@code prefix} (empty, or ending with a dot), in
     * torchvision's order.
     */
    void collectParameters(String prefix, Map<String, Parameter> into);
}
