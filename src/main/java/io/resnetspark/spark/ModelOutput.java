package io.resnetspark.spark;

/**
 * The model's answer for one image: its logits, its pooled features (the embedding), its share of
 * its batch's inference time, and whether it was the first image of its batch (so that counting
 * first images counts batches exactly, however the batch mixed rows of several tasks).
 */
public record ModelOutput(float[] logits, float[] features, long inferenceNanos, boolean firstInBatch) {}
