package io.resnetspark.spark;

/**
 * The model's answer for one image: its logits, its pooled features (the embedding), and its share
 * of its batch's inference time.
 */
public record ModelOutput(float[] logits, float[] features, long inferenceNanos) {}
