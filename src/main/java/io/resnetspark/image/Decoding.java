package io.resnetspark.image;

import java.io.EOFException;

/**
 * Rules shared by the format decoders: the pixel limit, and how a reader's failure is reported.
 */
final class Decoding {

    private Decoding() {}

    /**
     * Rejects an image whose header promises more pixels than the limit, before any pixel memory is
     * allocated: a few hundred bytes can claim 50,000 x 50,000 pixels (7.5 GB as RGB).
     */
    static void checkSize(ImageFormat format, int width, int height, long maxPixels) throws InvalidImageException {
        if (width < 1 || height < 1) {
            throw new InvalidImageException(InvalidImageException.CORRUPT,
                    format + " header gives a size of " + width + "x" + height);
        }
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new InvalidImageException(InvalidImageException.TOO_LARGE,
                    String.format("%s of %dx%d = %d pixels exceeds the limit of %d pixels", format, width, height, pixels, maxPixels));
        }
    }

    /**
     * Turns a reader's exception into a reason: {@code truncated} when the reader hit the end of the
     * data or the file's own structure shows it was cut short, {@code corrupt} otherwise.
     *
     * @param cutShort what the format's structure says (see {@link Truncation})
     */
    static InvalidImageException classify(ImageFormat format, byte[] data, Throwable error, boolean cutShort) {
        boolean endOfData = cutShort;
        for (Throwable t = error; t != null && !endOfData; t = t.getCause()) {
            endOfData = t instanceof EOFException;
        }
        String detail = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        if (endOfData) {
            return new InvalidImageException(InvalidImageException.TRUNCATED,
                    format + " data ends before the image does (" + data.length + " bytes): " + detail, error);
        }
        return new InvalidImageException(InvalidImageException.CORRUPT, "corrupt " + format + ": " + detail, error);
    }
}
