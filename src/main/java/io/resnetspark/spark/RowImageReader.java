package io.resnetspark.spark;

import io.resnetspark.image.ImageDecoder;
import io.resnetspark.image.InvalidImageException;
import io.resnetspark.image.RgbImage;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;

/** Gets the RGB image of a row's input column, whichever of the three kinds it is. */
final class RowImageReader {

    /** Spark's image schema modes (OpenCV types) for 8-bit 1, 3 and 4 channel images. */
    private static final int CV_8UC1 = 0;
    private static final int CV_8UC3 = 16;
    private static final int CV_8UC4 = 24;
    /** Largest file read through a path column; larger files are refused before reading. */
    static final long MAX_FILE_BYTES = 512L * 1024 * 1024;

    private final int column;
    private final InputKind kind;
    private final ImageDecoder decoder;
    private final Configuration conf;

    RowImageReader(int column, InputKind kind, long maxPixels, Configuration conf) {
        this.column = column;
        this.kind = kind;
        this.decoder = new ImageDecoder(maxPixels);
        this.conf = conf;
    }

    RgbImage read(Row row) throws InvalidImageException {
        if (row.isNullAt(column)) {
            throw new InvalidImageException("null", "the image column is null");
        }
        switch (kind) {
            case ENCODED_BYTES:
                return decoder.decode((byte[]) row.get(column));
            case IMAGE_STRUCT:
                return fromImageStruct(row.getStruct(column));
            default:
                return decoder.decode(readFile(row.getString(column)));
        }
    }

    private static RgbImage fromImageStruct(Row image) throws InvalidImageException {
        int mode = image.getInt(image.fieldIndex("mode"));
        if (mode != CV_8UC1 && mode != CV_8UC3 && mode != CV_8UC4) {
            throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                    "image struct mode " + mode + " is not 8-bit gray, BGR or BGRA (OpenCV types 0, 16, 24)");
        }
        byte[] data = image.getAs("data");
        return ImageDecoder.fromBgr(data == null ? new byte[0] : data,
                image.getInt(image.fieldIndex("width")), image.getInt(image.fieldIndex("height")),
                image.getInt(image.fieldIndex("nChannels")));
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
}
