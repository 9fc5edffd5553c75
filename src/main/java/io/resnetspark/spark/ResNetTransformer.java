package io.resnetspark.spark;

import io.resnetspark.engine.DeviceChoice;
import io.resnetspark.image.ImageDecoder;
import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.model.Precision;
import io.resnetspark.model.ResNetArchitecture;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Scores a table of images with a ResNet: the same table, plus a logits column ({@code
 * array<float>}) and, on request, softmax probabilities, the top-k classes and the pooled
 * penultimate features (embedding).
 *
 * <p>The input column is encoded image bytes (binary: {@code binaryFile}, Parquet), Spark's image
 * struct ({@code format("image")}) or image paths/URIs (string, read through Hadoop). Images get
 * torchvision's eval transform by default. Each executor holds one resident model, on the GPU Spark
 * assigned to its tasks or on the CPU, fed by all its tasks through one batching owner.
 *
 * <p>A row whose image cannot be used follows {@code handleInvalid}: {@code keep} (default) keeps
 * it with null outputs and the reason in {@code errorCol}; {@code skip} drops it; {@code error}
 * fails the job naming the row. A partition whose share of invalid rows exceeds {@code
 * maxInvalidFraction} fails its task.
 */
public final class ResNetTransformer extends Transformer implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;

    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> probabilitiesCol;
    private final Param<String> topKCol;
    private final IntParam topK;
    private final Param<String> labelsPath;
    private final Param<String> embeddingCol;
    private final Param<String> errorCol;
    private final Param<String> architecture;
    private final IntParam numClasses;
    private final Param<String> weightsPath;
    private final LongParam seed;
    private final Param<String> device;
    private final Param<String> precision;
    private final IntParam batchSize;
    private final IntParam maxResidentModels;
    private final IntParam numThreads;
    private final IntParam resizeSize;
    private final IntParam cropSize;
    private final BooleanParam normalize;
    private final DoubleArrayParam mean;
    private final DoubleArrayParam std;
    private final LongParam maxImagePixels;
    private final Param<String> handleInvalid;
    private final DoubleParam maxInvalidFraction;
    private final IntParam logEveryBatches;
    /** Counters of the run, when a caller (the batch job) wants them; not a param, not saved. */
    private transient ScoringMetrics metrics;

    public ResNetTransformer() {
        this(Identifiable$.MODULE$.randomUID("resnet"));
    }

    public ResNetTransformer(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol",
                "image column: binary (encoded bytes), Spark's image struct, or string (paths/URIs)");
        outputCol = new Param<>(this, "outputCol", "logits column to add, array<float>", nonEmpty());
        probabilitiesCol = new Param<>(this, "probabilitiesCol", "softmax probabilities column to add, or empty for none");
        topKCol = new Param<>(this, "topKCol",
                "top-k column to add, array<struct<index:int,label:string,score:float>>, or empty for none");
        topK = new IntParam(this, "topK", "classes in the top-k column (> 0)", ParamValidators.gt(0));
        labelsPath = new Param<>(this, "labelsPath",
                "text file with one class label per line (any Hadoop URI), for the top-k column; empty: index only");
        embeddingCol = new Param<>(this, "embeddingCol",
                "pooled penultimate features column to add (512 or 2048 floats), or empty for none");
        errorCol = new Param<>(this, "errorCol", "column with the reason a row was not scored (handleInvalid=keep)", nonEmpty());
        architecture = new Param<>(this, "architecture", "ResNet: " + ResNetArchitecture.knownNames(),
                ParamValidators.inArray(Arrays.stream(ResNetArchitecture.values()).map(ResNetArchitecture::modelName).toArray(String[]::new)));
        numClasses = new IntParam(this, "numClasses", "classes of the final layer (> 0)", ParamValidators.gt(0));
        weightsPath = new Param<>(this, "weightsPath",
                "torchvision state_dict as .safetensors or .npz, any Hadoop URI (file, hdfs, s3a); empty: seeded random weights, not pretrained");
        seed = new LongParam(this, "seed", "seed of the random weights used without weightsPath");
        device = new Param<>(this, "device", "auto (the GPU Spark assigned, else CPU), cpu, gpu, or gpu:N",
                parsedBy(DeviceChoice::parse));
        precision = new Param<>(this, "precision",
                "what the network computes in: fp32 (on Ampere+ GPUs TF32 unless NVIDIA_TF32_OVERRIDE=0), tf32 (GPU),"
                        + " fp16 (GPU); bf16 is refused", parsedBy(Precision::parse));
        batchSize = new IntParam(this, "batchSize", "images per forward pass (> 0)", ParamValidators.gt(0));
        maxResidentModels = new IntParam(this, "maxResidentModels",
                "models an executor keeps loaded at most; the least recently used one no task holds is freed (> 0)",
                ParamValidators.gt(0));
        numThreads = new IntParam(this, "numThreads",
                "PyTorch intra-op threads per executor; 0 keeps PyTorch's default (set by the first model load in a JVM)",
                ParamValidators.gtEq(0));
        resizeSize = new IntParam(this, "resizeSize",
                "resize the shorter side to this with antialiased bilinear, as torchvision's Resize; 0: no resize",
                ParamValidators.inRange(0, PreprocessConfig.MAX_SIDE));
        cropSize = new IntParam(this, "cropSize",
                "center crop to this square, as torchvision's CenterCrop; 0: no crop", ParamValidators.inRange(0, PreprocessConfig.MAX_SIDE));
        normalize = new BooleanParam(this, "normalize", "subtract mean and divide by std after scaling to [0, 1]");
        mean = new DoubleArrayParam(this, "mean", "per-channel (R, G, B) mean for normalize",
                new SerializableValidator<>(values -> values.length == 3 && Arrays.stream(values).allMatch(Double::isFinite)));
        std = new DoubleArrayParam(this, "std", "per-channel (R, G, B) standard deviation for normalize (> 0)",
                new SerializableValidator<>(values -> values.length == 3 && Arrays.stream(values).allMatch(v -> v > 0 && v < Double.POSITIVE_INFINITY)));
        maxImagePixels = new LongParam(this, "maxImagePixels",
                "images with more pixels are refused from their header, before decoding (decompression bombs)",
                ParamValidators.gt(0));
        handleInvalid = new Param<>(this, "handleInvalid",
                "rows whose image cannot be scored: keep (null outputs + reason in errorCol), skip (drop), error (fail)",
                ParamValidators.inArray(new String[] {"keep", "skip", "error"}));
        maxInvalidFraction = new DoubleParam(this, "maxInvalidFraction",
                "fail a task when more than this fraction of its rows are invalid (1.0: never)",
                ParamValidators.inRange(0.0, 1.0));

        logEveryBatches = new IntParam(this, "logEveryBatches",
                "executors log their throughput every this many batches (> 0)", ParamValidators.gt(0));

        setDefault(inputCol, "content");
        setDefault(outputCol, "logits");
        setDefault(probabilitiesCol, "");
        setDefault(topKCol, "");
        setDefault(topK, 5);
        setDefault(labelsPath, "");
        setDefault(embeddingCol, "");
        setDefault(errorCol, "error");
        setDefault(architecture, "resnet50");
        setDefault(numClasses, 1000);
        setDefault(weightsPath, "");
        setDefault(seed, 0L);
        setDefault(device, "auto");
        setDefault(precision, "fp32");
        setDefault(batchSize, 16);
        setDefault(maxResidentModels, ModelSource.DEFAULT_MAX_RESIDENT_MODELS);
        setDefault(numThreads, 0);
        setDefault(resizeSize, 256);
        setDefault(cropSize, 224);
        setDefault(normalize, true);
        setDefault(mean, toDoubles(PreprocessConfig.IMAGENET_MEAN));
        setDefault(std, toDoubles(PreprocessConfig.IMAGENET_STD));
        setDefault(maxImagePixels, ImageDecoder.DEFAULT_MAX_PIXELS);
        setDefault(handleInvalid, "keep");
        setDefault(maxInvalidFraction, 1.0);
        setDefault(logEveryBatches, 20);
    }

    private static scala.Function1<String, Object> nonEmpty() {
        return new SerializableValidator<>(value -> value != null && !value.isEmpty());
    }

    /** A parser that serializes: it refuses a value by throwing IllegalArgumentException. */
    private interface Parser extends java.util.function.Consumer<String>, java.io.Serializable {}

    /** Valid when {@code parser} accepts the value. */
    private static scala.Function1<String, Object> parsedBy(Parser parser) {
        return new SerializableValidator<>(value -> {
            try {
                parser.accept(value);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        });
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    // ---- params, as Spark finds them: public no-argument methods returning a Param ----

    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> probabilitiesCol() { return probabilitiesCol; }
    public Param<String> topKCol() { return topKCol; }
    public IntParam topK() { return topK; }
    public Param<String> labelsPath() { return labelsPath; }
    public Param<String> embeddingCol() { return embeddingCol; }
    public Param<String> errorCol() { return errorCol; }
    public Param<String> architecture() { return architecture; }
    public IntParam numClasses() { return numClasses; }
    public Param<String> weightsPath() { return weightsPath; }
    public LongParam seed() { return seed; }
    public Param<String> device() { return device; }
    public Param<String> precision() { return precision; }
    public IntParam batchSize() { return batchSize; }
    public IntParam maxResidentModels() { return maxResidentModels; }
    public IntParam numThreads() { return numThreads; }
    public IntParam resizeSize() { return resizeSize; }
    public IntParam cropSize() { return cropSize; }
    public BooleanParam normalize() { return normalize; }
    public DoubleArrayParam mean() { return mean; }
    public DoubleArrayParam std() { return std; }
    public LongParam maxImagePixels() { return maxImagePixels; }
    public Param<String> handleInvalid() { return handleInvalid; }
    public DoubleParam maxInvalidFraction() { return maxInvalidFraction; }
    public IntParam logEveryBatches() { return logEveryBatches; }

    // ---- setters ----

    public ResNetTransformer setInputCol(String value) { return (ResNetTransformer) set(inputCol, value); }
    public ResNetTransformer setOutputCol(String value) { return (ResNetTransformer) set(outputCol, value); }
    public ResNetTransformer setProbabilitiesCol(String value) { return (ResNetTransformer) set(probabilitiesCol, value); }
    public ResNetTransformer setTopKCol(String value) { return (ResNetTransformer) set(topKCol, value); }
    public ResNetTransformer setTopK(int value) { return (ResNetTransformer) set(topK, value); }
    public ResNetTransformer setLabelsPath(String value) { return (ResNetTransformer) set(labelsPath, value); }
    public ResNetTransformer setEmbeddingCol(String value) { return (ResNetTransformer) set(embeddingCol, value); }
    public ResNetTransformer setErrorCol(String value) { return (ResNetTransformer) set(errorCol, value); }
    public ResNetTransformer setArchitecture(String value) { return (ResNetTransformer) set(architecture, value); }
    public ResNetTransformer setNumClasses(int value) { return (ResNetTransformer) set(numClasses, value); }
    public ResNetTransformer setWeightsPath(String value) { return (ResNetTransformer) set(weightsPath, value); }
    public ResNetTransformer setSeed(long value) { return (ResNetTransformer) set(seed, value); }
    public ResNetTransformer setDevice(String value) { return (ResNetTransformer) set(device, value); }
    /** @throws IllegalArgumentException naming the reason for bf16 and the accepted values otherwise */
    public ResNetTransformer setPrecision(String value) {
        Precision.parse(value);
        return (ResNetTransformer) set(precision, value);
    }
    public ResNetTransformer setBatchSize(int value) { return (ResNetTransformer) set(batchSize, value); }
    public ResNetTransformer setMaxResidentModels(int value) { return (ResNetTransformer) set(maxResidentModels, value); }
    public ResNetTransformer setNumThreads(int value) { return (ResNetTransformer) set(numThreads, value); }
    public ResNetTransformer setResizeSize(int value) { return (ResNetTransformer) set(resizeSize, value); }
    public ResNetTransformer setCropSize(int value) { return (ResNetTransformer) set(cropSize, value); }
    public ResNetTransformer setNormalize(boolean value) { return (ResNetTransformer) set(normalize, value); }
    public ResNetTransformer setMean(double[] value) { return (ResNetTransformer) set(mean, value); }
    public ResNetTransformer setStd(double[] value) { return (ResNetTransformer) set(std, value); }
    public ResNetTransformer setMaxImagePixels(long value) { return (ResNetTransformer) set(maxImagePixels, value); }
    public ResNetTransformer setHandleInvalid(String value) { return (ResNetTransformer) set(handleInvalid, value); }
    public ResNetTransformer setMaxInvalidFraction(double value) { return (ResNetTransformer) set(maxInvalidFraction, value); }
    public ResNetTransformer setLogEveryBatches(int value) { return (ResNetTransformer) set(logEveryBatches, value); }

    /** Reports the rows and stage timings of the next transforms into {@code counters}. */
    public ResNetTransformer withMetrics(ScoringMetrics counters) {
        this.metrics = counters;
        return this;
    }

    private String string(Param<String> param) {
        return (String) $(param);
    }

    private int integer(IntParam param) {
        return (Integer) $(param);
    }

    /** The preprocessing these params describe (validated: sizes, mean/std of three channels). */
    public PreprocessConfig preprocessing() {
        int crop = integer(cropSize);
        boolean normalized = (Boolean) $(normalize);
        double[] meanValues = (double[]) $(mean);
        double[] stdValues = (double[]) $(std);
        return new PreprocessConfig(integer(resizeSize), crop, crop,
                normalized ? toFloats(meanValues) : null, normalized ? toFloats(stdValues) : null);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String input = string(inputCol);
        if (!Arrays.asList(schema.fieldNames()).contains(input)) {
            throw new IllegalArgumentException("input column '" + input + "' does not exist; columns: "
                    + String.join(", ", schema.fieldNames()));
        }
        InputKind.of(input, schema.apply(input).dataType());
        preprocessing();
        List<String> added = new ArrayList<>();
        for (String column : outputColumnNames()) {
            if (Arrays.asList(schema.fieldNames()).contains(column)) {
                throw new IllegalArgumentException("output column '" + column + "' already exists (type "
                        + schema.apply(column).dataType().simpleString() + "); choose another name");
            }
            if (added.contains(column)) {
                throw new IllegalArgumentException("output column '" + column + "' is named twice");
            }
            added.add(column);
        }
        return OutputColumns.append(schema, string(outputCol), string(probabilitiesCol), string(topKCol),
                string(embeddingCol), errorColumnName());
    }

    private List<String> outputColumnNames() {
        List<String> names = new ArrayList<>();
        for (String name : new String[] {string(outputCol), string(probabilitiesCol), string(topKCol),
                string(embeddingCol), errorColumnName()}) {
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    private String errorColumnName() {
        return InvalidRowPolicy.parse(string(handleInvalid)) == InvalidRowPolicy.KEEP ? string(errorCol) : "";
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outputSchema = transformSchema(dataset.schema(), true);
        SparkSession spark = dataset.sparkSession();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        ScoringPlan plan = plan(dataset.schema(), hadoop);
        return dataset.toDF().mapPartitions(new PartitionScorer(plan).asScalaFunction(), Encoders.row(outputSchema));
    }

    /**
     * Provenance of the weights these params select: {@code sha256:<hex>} of the weights file (read
     * through Hadoop), or {@code seed:<n>} for seeded random weights.
     */
    public String weightsFingerprint(Configuration hadoop) {
        String weights = string(weightsPath);
        return weights.isEmpty() ? "seed:" + $(seed) : WeightsLocator.fingerprint(weights, hadoop);
    }

    /** Resolves the params into what tasks need; reads the weights' fingerprint and the labels. */
    ScoringPlan plan(StructType schema, Configuration hadoop) {
        String input = string(inputCol);
        String weights = string(weightsPath);
        String fingerprint = weightsFingerprint(hadoop);
        ModelSource model = new ModelSource(string(architecture), integer(numClasses),
                weights.isEmpty() ? null : weights, fingerprint, (Long) $(seed), string(device), integer(numThreads),
                string(precision), integer(maxResidentModels));
        PreprocessConfig preprocess = preprocessing();
        int topKCount = string(topKCol).isEmpty() ? 0 : integer(topK);
        String[] labels = string(labelsPath).isEmpty() || topKCount == 0 ? null : readLabels(hadoop);
        int rowName = Arrays.asList(schema.fieldNames()).indexOf("path");
        return new ScoringPlan(schema.fieldIndex(input), InputKind.of(input, schema.apply(input).dataType()), rowName,
                model, integer(batchSize), preprocess.resizeShortSide(), preprocess.cropHeight(), preprocess.cropWidth(),
                preprocess.mean(), preprocess.std(), (Long) $(maxImagePixels), !string(probabilitiesCol).isEmpty(),
                topKCount, labels, !string(embeddingCol).isEmpty(), InvalidRowPolicy.parse(string(handleInvalid)),
                (Double) $(maxInvalidFraction), integer(logEveryBatches), metrics, new HadoopConf(hadoop));
    }

    private String[] readLabels(Configuration hadoop) {
        String uri = string(labelsPath);
        List<String> labels = new ArrayList<>();
        Path path = new Path(uri);
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(path.getFileSystem(hadoop).open(path), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    labels.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("labels file " + uri + " cannot be read: " + e.getMessage(), e);
        }
        if (labels.size() != integer(numClasses)) {
            throw new IllegalArgumentException("labels file " + uri + " has " + labels.size()
                    + " labels but the model has " + integer(numClasses) + " classes");
        }
        return labels.toArray(new String[0]);
    }

    @Override
    public ResNetTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public String uid() {
        return uid;
    }

    public static MLReader<ResNetTransformer> read() {
        return new DefaultParamsReadable<ResNetTransformer>() {}.read();
    }

    public static ResNetTransformer load(String path) {
        return read().load(path);
    }
}
