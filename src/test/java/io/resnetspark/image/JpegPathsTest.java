package io.resnetspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resnetspark.image.ReferenceImages.Entry;
import org.junit.jupiter.api.Test;

/**
 * The two JPEG paths of {@link JpegDecoder}: libjpeg's native RGB conversion (fast) and raw
 * components converted in Java. Where the header says the JDK converts like libjpeg-turbo, both
 * must give the same pixels; where it says not, the native path would indeed be wrong.
 */
class JpegPathsTest {

    private final JpegDecoder decoder = new JpegDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    private static JpegHeader withPath(JpegHeader h, boolean nativeConversion) {
        return new JpegHeader(h.width(), h.height(), h.colorSpace(), h.orientation(), h.scanOffset(), nativeConversion,
                h.iccSegments());
    }

    @Test
    void rawComponentsGiveTheSamePixelsAsTheNativePath() throws Exception {
        int compared = 0;
        for (Entry entry : ReferenceImages.entries()) {
            if (!entry.format().equals("JPEG")) {
                continue;
            }
            byte[] data = ReferenceImages.bytes(entry);
            JpegHeader header = JpegHeader.parse(data);
            if (!header.jdkConvertsAlike()) {
                continue;
            }
            assertEquals(decoder.decode(data, withPath(header, true)), decoder.decode(data, withPath(header, false)), entry.name());
            compared++;
        }
        assertTrue(compared >= 15, "ordinary JPEGs compared: " + compared);
    }

    @Test
    void theJdkGuessesDifferentlyWhereTheHeaderSaysSo() throws Exception {
        // No JFIF, no Adobe marker, component IDs 0, 1, 2 and no subsampling: libjpeg (and PIL)
        // read YCbCr, the JDK reads RGB.
        byte[] data = ReferenceImages.bytes("jpeg_ids_012_444_160x120.jpg");
        JpegHeader header = JpegHeader.parse(data);
        assertFalse(header.jdkConvertsAlike());
        RgbImage pil = ReferenceImages.rgb("jpeg_ids_012_444_160x120.decoded.npy");
        assertEquals(pil, decoder.decode(data, header));
        assertNotEquals(pil, decoder.decode(data, withPath(header, true)));
    }

    @Test
    void iccProfilesAreIgnoredAsPilIgnoresThem() throws Exception {
        byte[] data = ReferenceImages.bytes("jpeg_icc_linear_java_96x64.jpg");
        JpegHeader header = JpegHeader.parse(data);
        assertTrue(header.iccSegments().length > 0);
        RgbImage pil = ReferenceImages.rgb("jpeg_icc_linear_java_96x64.decoded.npy");
        assertEquals(pil, decoder.decode(data, header));
        // Given the profile, the JDK would convert from it to sRGB.
        JpegHeader keepingProfile = new JpegHeader(header.width(), header.height(), header.colorSpace(),
                header.orientation(), header.scanOffset(), true, new int[0]);
        assertNotEquals(pil, decoder.decode(data, keepingProfile));
    }
}
