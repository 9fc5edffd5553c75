package io.resnetspark.image;

/**
 * What a JPEG's markers say before its first scan: the frame (size, sample precision, components),
 * the colour transform the decoder must undo, and the EXIF orientation.
 *
 * <p>Parsing the markers ourselves, rather than trusting a reader's metadata, lets us decide the
 * colour space exactly as libjpeg-turbo (and so PIL) does, reject unsupported coding processes with
 * a clear reason, and read the orientation without building ImageIO metadata trees.
 *
 * @param width samples per line
 * @param height lines
 * @param colorSpace how the components are to be interpreted (libjpeg's rules, see {@link
 *     #parse})
 * @param orientation EXIF orientation 1-8 (1 when there is none)
 * @param scanOffset offset of the first SOS marker
 * @param jdkConvertsAlike whether the JDK's reader, asked for RGB, converts exactly as libjpeg-turbo
 *     does once the ICC profile is removed (see {@link #jdkConvertsAlike})
 * @param iccSegments start and end offsets of the APP2 ICC_PROFILE segments, in pairs (see {@link
 *     #withoutIccProfile})
 */
record JpegHeader(int width, int height, JpegColorSpace colorSpace, int orientation, int scanOffset,
        boolean jdkConvertsAlike, int[] iccSegments) {

    private static final int SOF0 = 0xc0;
    private static final int SOF1 = 0xc1;
    private static final int SOF2 = 0xc2;
    private static final int DHT = 0xc4;
    private static final int JPG = 0xc8;
    private static final int DAC = 0xcc;
    private static final int SOI = 0xd8;
    private static final int EOI = 0xd9;
    private static final int SOS = 0xda;
    private static final int APP0 = 0xe0;
    private static final int APP1 = 0xe1;
    private static final int APP2 = 0xe2;
    private static final int APP14 = 0xee;

    /** The colour spaces libjpeg distinguishes for 1, 3 and 4 components. */
    enum JpegColorSpace {
        GRAY,
        YCBCR,
        RGB,
        CMYK,
        YCCK
    }

    /**
     * Reads the markers from SOI up to the first SOS.
     *
     * @throws InvalidImageException {@code truncated} if the data ends first, {@code corrupt} for a
     *     malformed structure, {@code unsupported_format} for lossless, hierarchical,
     *     arithmetic-coded or 12-bit JPEGs and component counts other than 1, 3 and 4
     */
    static JpegHeader parse(byte[] data) throws InvalidImageException {
        int pos = 2;
        int width = -1;
        int height = -1;
        int components = 0;
        int[] componentIds = null;
        boolean jfif = false;
        int adobeTransform = -1;
        int orientation = ExifOrientation.NORMAL;
        boolean exifSeen = false;
        java.util.List<Integer> icc = new java.util.ArrayList<>();
        while (true) {
            // Bytes other than 0xFF between segments are skipped, as libjpeg does (with a warning).
            while (pos < data.length && (data[pos] & 0xff) != 0xff) {
                pos++;
            }
            while (pos < data.length && (data[pos] & 0xff) == 0xff) {
                pos++;
            }
            if (pos >= data.length) {
                throw truncated();
            }
            int marker = data[pos++] & 0xff;
            if (marker == SOI || marker == 0x01 || marker == 0x00 || (marker >= 0xd0 && marker <= 0xd7)) {
                continue; // markers without a length
            }
            if (marker == EOI) {
                throw new InvalidImageException(InvalidImageException.CORRUPT, "JPEG ends (EOI) before any image data");
            }
            if (pos + 2 > data.length) {
                throw truncated();
            }
            int length = (data[pos] & 0xff) << 8 | (data[pos + 1] & 0xff);
            if (length < 2) {
                throw new InvalidImageException(InvalidImageException.CORRUPT, "JPEG segment with length " + length);
            }
            int payload = pos + 2;
            int end = pos + length;
            if (end > data.length) {
                throw truncated();
            }
            if (marker == SOS) {
                if (components == 0) {
                    throw new InvalidImageException(InvalidImageException.CORRUPT, "JPEG scan before any frame header (SOF)");
                }
                JpegColorSpace colorSpace = colorSpace(components, componentIds, jfif, adobeTransform);
                return new JpegHeader(width, height, colorSpace, orientation, pos - 2,
                        jdkConvertsAlike(components, componentIds, jfif, adobeTransform),
                        icc.stream().mapToInt(Integer::intValue).toArray());
            }
            if (isStartOfFrame(marker)) {
                if (components != 0) {
                    throw new InvalidImageException(InvalidImageException.CORRUPT, "JPEG with two frame headers (SOF)");
                }
                checkSupportedProcess(marker);
                if (length < 8) {
                    throw new InvalidImageException(InvalidImageException.CORRUPT, "JPEG frame header too short");
                }
                int precision = data[payload] & 0xff;
                height = (data[payload + 1] & 0xff) << 8 | (data[payload + 2] & 0xff);
                width = (data[payload + 3] & 0xff) << 8 | (data[payload + 4] & 0xff);
                components = data[payload + 5] & 0xff;
                if (precision != 8) {
                    throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                            precision + "-bit JPEG samples are not supported (8-bit only)");
                }
                if (width == 0 || height == 0) {
                    throw new InvalidImageException(InvalidImageException.CORRUPT,
                            "JPEG frame of " + width + "x" + height + " (a height defined later by DNL is not supported)");
                }
                if (components != 1 && components != 3 && components != 4) {
                    throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                            "JPEG with " + components + " components (1, 3 or 4 supported)");
                }
                if (length < 8 + 3 * components) {
                    throw new InvalidImageException(InvalidImageException.CORRUPT, "JPEG frame header too short");
                }
                componentIds = new int[components];
                for (int i = 0; i < components; i++) {
                    componentIds[i] = data[payload + 6 + 3 * i] & 0xff;
                }
            } else if (marker == APP0 && length >= 2 + 14 && ImageFormat.startsWithAscii(data, payload, "JFIF\0")) {
                jfif = true; // libjpeg only counts an APP0 with the full 14-byte JFIF header
            } else if (marker == APP1 && !exifSeen && ImageFormat.startsWithAscii(data, payload, "Exif\0")) {
                exifSeen = true; // PIL keeps the first Exif segment
                orientation = ExifOrientation.orDefault(ExifOrientation.fromTiff(data, payload + 6, end));
            } else if (marker == APP2 && ImageFormat.startsWithAscii(data, payload, "ICC_PROFILE\0")) {
                icc.add(pos - 2); // from the marker
                icc.add(end);
            } else if (marker == APP14 && length >= 2 + 12 && ImageFormat.startsWithAscii(data, payload, "Adobe")) {
                adobeTransform = data[payload + 11] & 0xff;
            }
            pos = end;
        }
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xc0 && marker <= 0xcf && marker != DHT && marker != JPG && marker != DAC;
    }

    private static void checkSupportedProcess(int marker) throws InvalidImageException {
        if (marker == SOF0 || marker == SOF1 || marker == SOF2) {
            return; // baseline, extended sequential and progressive Huffman: what libjpeg 6b reads
        }
        String process;
        if (marker == 0xc3) {
            process = "lossless";
        } else if (marker >= 0xc5 && marker <= 0xc7) {
            process = "hierarchical";
        } else {
            process = "arithmetic-coded";
        }
        throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                String.format("%s JPEG (SOF%d) is not supported", process, marker - 0xc0));
    }

    /**
     * libjpeg's guess of the colour space (jdapimin.c, default_decompress_parms), which libjpeg-turbo
     * and so PIL use: JFIF means YCbCr; else an Adobe marker's transform decides; else 3-component
     * IDs 'R','G','B' mean RGB. Four components are YCCK only with Adobe transform 2 (or an unknown
     * transform), else CMYK.
     */
    static JpegColorSpace colorSpace(int components, int[] ids, boolean jfif, int adobeTransform) {
        if (components == 1) {
            return JpegColorSpace.GRAY;
        }
        if (components == 3) {
            if (jfif) {
                return JpegColorSpace.YCBCR;
            }
            if (adobeTransform >= 0) {
                return adobeTransform == 0 ? JpegColorSpace.RGB : JpegColorSpace.YCBCR;
            }
            return ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B' ? JpegColorSpace.RGB : JpegColorSpace.YCBCR;
        }
        if (adobeTransform >= 0) {
            return adobeTransform == 0 ? JpegColorSpace.CMYK : JpegColorSpace.YCCK;
        }
        return JpegColorSpace.CMYK;
    }

    /**
     * The JPEG without its ICC profile segments, or the data itself when it has none. PIL decodes
     * ignoring the profile; the JDK's reader would convert from it to sRGB, and refuses a broken
     * one ("Invalid icc profile"), so it never sees it.
     */
    byte[] withoutIccProfile(byte[] data) {
        if (iccSegments.length == 0) {
            return data;
        }
        int removed = 0;
        for (int i = 0; i < iccSegments.length; i += 2) {
            removed += iccSegments[i + 1] - iccSegments[i];
        }
        byte[] out = new byte[data.length - removed];
        int from = 0;
        int to = 0;
        for (int i = 0; i < iccSegments.length; i += 2) {
            System.arraycopy(data, from, out, to, iccSegments[i] - from);
            to += iccSegments[i] - from;
            from = iccSegments[i + 1];
        }
        System.arraycopy(data, from, out, to, data.length - from);
        return out;
    }

    /**
     * Whether the JDK's reader, asked for an RGB image, gives exactly the values of libjpeg-turbo's
     * RGB output (and so PIL's) for the JPEG without its ICC profile: then libjpeg's native colour
     * conversion can be used, which is faster than converting raw components in Java. Not so when
     *
     * <ul>
     *   <li>it has 3 components and an Adobe marker with a transform other than 1: the JDK refuses to
     *       guess where libjpeg guesses RGB or YCbCr;
     *   <li>it has 3 components, neither JFIF nor Adobe marker and IDs other than 1, 2, 3: the JDK
     *       guesses from the sampling factors where libjpeg guesses from the IDs (the JDK keeps
     *       YCbCr when there is an EXIF segment; this rule conservatively takes the raw path);
     *   <li>it has 4 components (CMYK, YCCK): the JDK does not convert them.
     * </ul>
     *
     * Grey is safe: the JDK ignores ICC profiles for grey and libjpeg copies grey to R, G and B.
     */
    static boolean jdkConvertsAlike(int components, int[] ids, boolean jfif, int adobeTransform) {
        if (components == 1) {
            return true;
        }
        if (components != 3) {
            return false;
        }
        if (adobeTransform >= 0) {
            return adobeTransform == 1;
        }
        return jfif || (ids[0] == 1 && ids[1] == 2 && ids[2] == 3);
    }

    private static InvalidImageException truncated() {
        return new InvalidImageException(InvalidImageException.TRUNCATED, "JPEG ends inside its headers");
    }

    /** True when an EOI marker follows the first scan: the file was written to the end. */
    static boolean hasEndOfImage(byte[] data, int from) {
        for (int i = Math.max(from, 0); i + 1 < data.length; i++) {
            if ((data[i] & 0xff) == 0xff && (data[i + 1] & 0xff) == EOI) {
                return true;
            }
        }
        return false;
    }
}
