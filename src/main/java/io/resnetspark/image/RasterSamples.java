package io.resnetspark.image;

import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.SampleModel;

/**
 * Direct access to the bytes of a raster whose samples are 8-bit and interleaved in one byte array
 * (what JPEG, PNG, BMP and WebP readers produce almost always): where sample (x, y, band) lives.
 * Going through the array instead of {@code Raster.getPixel} is several times faster, which matters
 * for JPEG, the common case.
 *
 * @param data the backing array
 * @param base index of band 0 of the pixel (0, 0)
 * @param pixelStride array elements from one pixel to the next
 * @param scanlineStride array elements from one row to the next
 * @param bandOffsets offset of each band within a pixel
 */
record RasterSamples(byte[] data, int base, int pixelStride, int scanlineStride, int[] bandOffsets) {

    /** The direct view of a raster of 8-bit samples in one byte bank, or null for any other layout. */
    static RasterSamples of(Raster raster) {
        SampleModel model = raster.getSampleModel();
        if (!(model instanceof ComponentSampleModel components)
                || !(raster.getDataBuffer() instanceof DataBufferByte bytes)
                || bytes.getNumBanks() != 1
                || model.getDataType() != DataBuffer.TYPE_BYTE) {
            return null;
        }
        for (int bank : components.getBankIndices()) {
            if (bank != 0) {
                return null;
            }
        }
        // A child raster's samples start at an offset into its parent's array.
        int x0 = raster.getMinX() - raster.getSampleModelTranslateX();
        int y0 = raster.getMinY() - raster.getSampleModelTranslateY();
        int base = bytes.getOffset() + y0 * components.getScanlineStride() + x0 * components.getPixelStride();
        return new RasterSamples(bytes.getData(), base, components.getPixelStride(),
                components.getScanlineStride(), components.getBandOffsets());
    }

    /**
     * True when the samples are exactly {@code bands} bytes per pixel, rows back to back from index
     * 0, bands in order: the array can then be converted in place and kept as the image's pixels.
     */
    boolean isPacked(int width, int height, int bands) {
        if (base != 0 || pixelStride != bands || scanlineStride != width * bands || bandOffsets.length != bands) {
            return false;
        }
        for (int b = 0; b < bands; b++) {
            if (bandOffsets[b] != b) {
                return false;
            }
        }
        return data.length == width * height * bands;
    }
}
