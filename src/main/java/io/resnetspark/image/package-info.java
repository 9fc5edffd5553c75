/**
 * Image decoding and torchvision-exact preprocessing, in pure Java (no Spark, no DJL).
 *
 * <p>The path of one image: encoded bytes (or a Spark image-schema row) become an {@link
 * io.resnetspark.image.RgbImage} through {@link io.resnetspark.image.ImageDecoder}, which a {@link
 * io.resnetspark.image.Preprocessor} turns into the model's float32 CHW input as a {@link
 * io.resnetspark.image.PreprocessConfig} says. Whatever cannot be used becomes an {@link
 * io.resnetspark.image.InvalidImageException} with a stable reason code.
 *
 * <p>The reference is torchvision's eval transform on PIL images: {@code
 * Image.open(f).convert("RGB")}, {@code Resize(256)}, {@code CenterCrop(224)}, {@code ToTensor()},
 * {@code Normalize(mean, std)}. On PIL's pixels the preprocessing is bit-identical (uint8 after
 * resize and crop, float32 after normalisation); the decoders give PIL's pixels exactly for JPEG,
 * PNG, GIF, BMP, TIFF and lossless WebP (lossy WebP differs slightly). Two deliberate departures,
 * both where PIL is wrong: EXIF orientation is applied (optional), and 16-bit grey PNGs keep their
 * high byte instead of being clipped. src/test/python/image_reference.py and PilParityTest check
 * all of this against PIL 9.4 and torchvision 0.14.
 */
package io.resnetspark.image;
