package io.resnetspark.spark;

import io.resnetspark.image.HighBitDepth;
import io.resnetspark.image.ImageDecoder;
import io.resnetspark.image.InvalidImageException;
import io.resnetspark.image.RgbImage;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/** Gets the RGB image of a row's image column, whichever of the three kinds it is. */
final class ImageColumn {

    /** Spark's image schema modes (OpenCV types) for 8-bit 1, 3 and 4 channel images. */
    private static final int CV_8UC1 = 0;
    private static final int CV_8UC3 = 16;
    private static final int CV_8UC4 = 24;
    /** Largest file read through a path column; larger files are refused before reading. */
    static final long MAX_FILE_BYTES = 512L * 1024 * 1024;

    private final int ordinal;
    private final InputKind kind;
    private final ImageStructFields struct;
    private final ImageDecoder decoder;
    private final Configuration conf;

    ImageColumn(int ordinal, String name, DataType type, long maxPixels, HighBitDepth highBitDepth, Configuration conf) {
        this.ordinal = ordinal;
        this.kind = InputKind.of(name, type);
        this.struct = kind == InputKind.IMAGE_STRUCT ? new ImageStructFields((StructType) type) : null;
        this.decoder = new ImageDecoder(maxPixels, true, highBitDepth);
        this.conf = conf;
    }

    RgbImage read(InternalRow row) throws InvalidImageException {
        if (row.isNullAt(ordinal)) {
            throw new InvalidImageException("null", "the image column is null");
        }
        switch (kind) {
            case ENCODED_BYTES:
                return decoder.decode(row.getBinary(ordinal));
            case IMAGE_STRUCT:
                return fromImageStruct(row.getStruct(ordinal, struct.count));
            default:
                return decoder.decode(readFile(row.getUTF8String(ordinal).toString()));
        }
    }

    /** What names the image in a message: the path, or the image struct's origin; null if neither. */
    String describe(InternalRow row) {
        if (row.isNullAt(ordinal)) {
            return null;
        }
        if (kind == InputKind.PATH) {
            return row.getUTF8String(ordinal).toString();
        }
        if (kind == InputKind.IMAGE_STRUCT) {
            InternalRow image = row.getStruct(ordinal, struct.count);
            return image.isNullAt(struct.origin) ? null : image.getUTF8String(struct.origin).toString();
        }
        return null;
    }

    private RgbImage fromImageStruct(InternalRow image) throws InvalidImageException {
        int mode = image.getInt(struct.mode);
        if (mode != CV_8UC1 && mode != CV_8UC3 && mode != CV_8UC4) {
            throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                    "image struct mode " + mode + " is not 8-bit gray, BGR or BGRA (OpenCV types 0, 16, 24)");
        }
        byte[] data = image.isNullAt(struct.data) ? new byte[0] : image.getBinary(struct.data);
        return ImageDecoder.fromBgr(data, image.getInt(struct.width), image.getInt(struct.height),
                image.getInt(struct.nChannels));
    }

    private byte[] readFile(String uri) throws InvalidImageException {
        try {
            Path path = new Path(uri);
            FileSystem fs = path.getFileSystem(conf);
            FileStatus status = fs.getFileStatus(path);
            if (status.getLen() > MAX_FILE_BYTES) {
                throw new InvalidImageException(InvalidImageException.TOO_LARGE,
                        uri + " is " + status.getLen() + " bytes, more than the " + MAX_FILE_BYTES + " read per image");
            }
            try (InputStream in = fs.open(path)) {
                return in.readAllBytes();
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidImageException("unreadable", "cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    /** Positions of the image schema's fields in a struct (any order, extra fields allowed). */
    private static final class ImageStructFields {
        final int count;
        final int origin;
        final int height;
        final int width;
        final int nChannels;
        final int mode;
        final int data;

        ImageStructFields(StructType type) {
            count = type.fields().length;
            origin = type.fieldIndex("origin");
            height = type.fieldIndex("height");
            width = type.fieldIndex("width");
            nChannels = type.fieldIndex("nChannels");
            mode = type.fieldIndex("mode");
            data = type.fieldIndex("data");
        }
    }
}
