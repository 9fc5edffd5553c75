package io.resnetspark.spark;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The three kinds of image column the scorer reads, recognised from the column's type. */
public enum InputKind {
    /** Encoded image bytes: binaryFile's {@code content}, a Parquet column of JPEG/PNG bytes. */
    ENCODED_BYTES,
    /** Spark's image schema ({@code format("image")}): decoded BGR(A) or gray pixels. */
    IMAGE_STRUCT,
    /** Paths or URIs of image files, read through Hadoop's FileSystem on the executors. */
    PATH;

    private static final List<String> IMAGE_FIELDS = List.of("origin", "height", "width", "nChannels", "mode", "data");

    /**
     * The kind of a column of type {@code type}.
     *
     * @throws IllegalArgumentException naming the column, its type and the accepted types
     */
    public static InputKind of(String column, DataType type) {
        if (type.equals(DataTypes.BinaryType)) {
            return ENCODED_BYTES;
        }
        if (type.equals(DataTypes.StringType)) {
            return PATH;
        }
        if (type instanceof StructType && isImageSchema((StructType) type)) {
            return IMAGE_STRUCT;
        }
        throw new IllegalArgumentException("input column '" + column + "' has type " + type.simpleString()
                + "; expected binary (encoded image bytes), string (image paths or URIs) or Spark's image"
                + " struct<origin:string,height:int,width:int,nChannels:int,mode:int,data:binary>");
    }

    private static boolean isImageSchema(StructType struct) {
        Set<String> names = java.util.Arrays.stream(struct.fields()).map(StructField::name).collect(Collectors.toSet());
        if (!names.containsAll(IMAGE_FIELDS)) {
            return false;
        }
        return struct.apply("data").dataType().equals(DataTypes.BinaryType)
                && struct.apply("height").dataType().equals(DataTypes.IntegerType)
                && struct.apply("width").dataType().equals(DataTypes.IntegerType)
                && struct.apply("nChannels").dataType().equals(DataTypes.IntegerType)
                && struct.apply("mode").dataType().equals(DataTypes.IntegerType);
    }
}
