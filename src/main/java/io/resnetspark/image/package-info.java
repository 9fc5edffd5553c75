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
 * {@code Normalize(mean, std)}, after {@code ImageOps.exif_transpose}. On PIL's pixels the
 * preprocessing is bit-identical (uint8 after resize and crop, float32 after normalisation); the
 * decoders give PIL's pixels exactly for JPEG, PNG, GIF, BMP, TIFF and WebP (lossy WebP when
 * libwebp is installed), CIELab TIFF within LittleCMS's rounding. Options: orientation can be left
 * unapplied, and 16-bit, 32-bit and float grey can be scaled instead of clipped ({@link
 * io.resnetspark.image.HighBitDepth}). src/test/python/image_reference.py with PilParityTest, and
 * src/test/python/format_variants.py with FormatVariantsTest, check all of this against PIL 9.4
 * and torchvision 0.14.
 */
package io.resnetspark.image;
