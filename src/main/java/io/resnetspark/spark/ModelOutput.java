package io.resnetspark.spark;

/** The model's answer for one image: its logits and its pooled features (the embedding). */
public record ModelOutput(float[] logits, float[] features) {}
