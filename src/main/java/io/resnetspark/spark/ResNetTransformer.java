package io.resnetspark.spark;

import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.options.FrontEnd;
import io.resnetspark.options.ScoringOptions;
import io.resnetspark.options.ScoringSettings;
import io.resnetspark.options.Setting;
import io.resnetspark.spark.plan.Datasets;
import io.resnetspark.spark.plan.ResNetScoring;
import io.resnetspark.spark.plan.ResNetScoringStrategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
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
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * Scores a table of images with a ResNet: the same table, plus a logits column ({@code
 * array<float>}) and, on request, softmax probabilities, the top-k classes and the pooled
 * penultimate features (embedding).
 *
 * <p>The input column is encoded image bytes (binary: {@code binaryFile}, Parquet), Spark's image
 * struct ({@code format("image")}) or image paths/URIs (string, read through Hadoop). Images get
 * torchvision's eval transform by default. Each executor holds one resident model, on the GPU Spark
 * assigned to its tasks or on the CPU, fed by all its tasks through one batching owner. The plan
 * shows the scoring as a {@code ResNetScoring} node.
 *
 * <p>The scoring params (architecture, weights, device, batch size, preprocessing, ...) are the
 * settings of {@link ScoringSettings}, under the same names as the SQL settings ({@code
 * spark.resnet.<name>}) and the job's keys; the column params are the transformer's own.
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
    private final Param<String> embeddingCol;
    private final Param<String> errorCol;
    /** One param per scoring setting, by its name, and one per old name of a renamed setting. */
    private final Map<String, Param<?>> settingParams = new LinkedHashMap<>();
    /** The current param of each old name's param. */
    private final Map<String, Param<?>> renamedTo = new LinkedHashMap<>();
    /** Every param, in declaration order: Spark's param handling asks for them while they are being declared. */
    private final List<Param<?>> allParams = new ArrayList<>();
    /** Where the scoring node reports its metrics, when a caller (the batch job) wants them; not saved. */
    private transient ScoringMetrics metrics;

    public ResNetTransformer() {
        this(Identifiable$.MODULE$.randomUID("resnet"));
    }

    public ResNetTransformer(String uid) {
        this.uid = uid;
        inputCol = declare(new Param<>(this, "inputCol",
                "image column: binary (encoded bytes), Spark's image struct, or string (paths/URIs)"));
        outputCol = declare(new Param<>(this, "outputCol", "logits column to add, array<float>", nonEmpty()));
        probabilitiesCol = declare(new Param<>(this, "probabilitiesCol", "softmax probabilities column to add, or empty for none"));
        topKCol = declare(new Param<>(this, "topKCol",
                "top-k column to add, array<struct<index:int,label:string,score:float>>, or empty for none"));
        topK = declare(new IntParam(this, "topK", "classes in the top-k column (> 0)", ParamValidators.gt(0)));
        embeddingCol = declare(new Param<>(this, "embeddingCol",
                "pooled penultimate features column to add (512 or 2048 floats), or empty for none"));
        errorCol = declare(new Param<>(this, "errorCol", "column with the reason a row was not scored (handleInvalid=keep)", nonEmpty()));
        setDefault(inputCol, "content");
        setDefault(outputCol, "logits");
        setDefault(probabilitiesCol, "");
        setDefault(topKCol, "");
        setDefault(topK, 5);
        setDefault(embeddingCol, "");
        setDefault(errorCol, "error");
        for (Setting<?> setting : ScoringSettings.of(FrontEnd.TRANSFORMER)) {
            Param<?> param = declare(settingParam(setting, setting.paramName(), setting.doc()));
            settingParams.put(param.name(), param);
            setDefaultValue(param, setting.defaultValue());
            for (String alias : setting.aliases(FrontEnd.TRANSFORMER)) {
                settingParams.put(alias, declare(settingParam(setting, alias,
                        "deprecated name of " + setting.paramName() + ": " + setting.doc())));
                renamedTo.put(alias, param);
            }
        }
    }

    private <P extends Param<?>> P declare(P param) {
        allParams.add(param);
        return param;
    }

    /** A Spark param of the setting's type that checks values with the setting's rule. */
    private Param<?> settingParam(Setting<?> setting, String name, String doc) {
        String settingName = setting.name(); // the validator travels with the param: it captures names only
        SerializableValidator<Object> rule = new SerializableValidator<>(value -> {
            ScoringSettings.named(settingName).orElseThrow().checked(value, name);
            return true;
        });
        Class<?> type = setting.type().javaType();
        if (type == Integer.class) {
            return new IntParam(this, name, doc, castRule(rule));
        }
        if (type == Long.class) {
            return new LongParam(this, name, doc, castRule(rule));
        }
        if (type == Double.class) {
            return new DoubleParam(this, name, doc, castRule(rule));
        }
        if (type == Boolean.class) {
            return new BooleanParam(this, name, doc);
        }
        if (type == double[].class) {
            return new DoubleArrayParam(this, name, doc, castRule(rule));
        }
        return new Param<String>(this, name, doc, castRule(rule));
    }

    @SuppressWarnings("unchecked")
    private static <T> scala.Function1<T, Object> castRule(SerializableValidator<Object> rule) {
        return (scala.Function1<T, Object>) (scala.Function1<?, Object>) rule;
    }

    @SuppressWarnings("unchecked")
    private void setDefaultValue(Param<?> param, Object value) {
        setDefault((Param<Object>) param, value);
    }

    private static scala.Function1<String, Object> nonEmpty() {
        return new SerializableValidator<>(value -> value != null && !value.isEmpty());
    }

    /**
     * A value set under an old param name (a saved pipeline, {@code set("architecture", ...)})
     * moves to the current param, so that every reader sees it there.
     */
    @Override
    @SuppressWarnings("unchecked")
    public void onParamChange(Param<?> param) {
        Param<Object> current = (Param<Object>) renamedTo.get(param.name());
        if (current != null && isSet(param)) {
            Object value = $(param);
            clear(param);
            set(current, value);
            io.resnetspark.options.Deprecations.renamed(param.name(), current.name());
        }
    }

    /** The params, for Spark's param handling (explain, copy, save/load); the scoring ones come from the settings. */
    @Override
    public Param<?>[] params() {
        return allParams.toArray(new Param<?>[0]);
    }

    // ---- column params, as Spark ML exposes params: public no-argument methods ----

    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> probabilitiesCol() { return probabilitiesCol; }
    public Param<String> topKCol() { return topKCol; }
    public IntParam topK() { return topK; }
    public Param<String> embeddingCol() { return embeddingCol; }
    public Param<String> errorCol() { return errorCol; }

    // ---- scoring params (see ScoringSettings for their meaning and defaults) ----

    /** The param of a scoring setting, by the setting's name or an old name. */
    public Param<?> settingParam(String name) {
        Param<?> param = settingParams.get(name);
        if (param == null) {
            throw new IllegalArgumentException("no scoring param '" + name + "'; known: " + settingParams.keySet());
        }
        return param;
    }

    @SuppressWarnings("unchecked")
    private <P extends Param<?>> P param(Setting<?> setting) {
        return (P) settingParam(setting.paramName());
    }

    public Param<String> arch() { return param(ScoringSettings.ARCH); }
    public IntParam numClasses() { return param(ScoringSettings.NUM_CLASSES); }
    public Param<String> weights() { return param(ScoringSettings.WEIGHTS); }
    public LongParam seed() { return param(ScoringSettings.SEED); }
    public Param<String> device() { return param(ScoringSettings.DEVICE); }
    public Param<String> precision() { return param(ScoringSettings.PRECISION); }
    public IntParam maxResidentModels() { return param(ScoringSettings.MAX_RESIDENT_MODELS); }
    public IntParam batchSize() { return param(ScoringSettings.BATCH_SIZE); }
    public IntParam numThreads() { return param(ScoringSettings.NUM_THREADS); }
    public IntParam resizeSize() { return param(ScoringSettings.RESIZE_SIZE); }
    public IntParam cropSize() { return param(ScoringSettings.CROP_SIZE); }
    public BooleanParam normalize() { return param(ScoringSettings.NORMALIZE); }
    public DoubleArrayParam mean() { return param(ScoringSettings.MEAN); }
    public DoubleArrayParam std() { return param(ScoringSettings.STD); }
    public LongParam maxImagePixels() { return param(ScoringSettings.MAX_IMAGE_PIXELS); }
    public Param<String> labels() { return param(ScoringSettings.LABELS); }
    public Param<String> handleInvalid() { return param(ScoringSettings.HANDLE_INVALID); }
    public DoubleParam maxInvalidFraction() { return param(ScoringSettings.MAX_INVALID_FRACTION); }
    public IntParam logEveryBatches() { return param(ScoringSettings.LOG_EVERY_BATCHES); }

    /** @deprecated renamed {@link #arch()}; this returns that param */
    @Deprecated
    public Param<String> architecture() { return arch(); }

    /** @deprecated renamed {@link #weights()}; this returns that param */
    @Deprecated
    public Param<String> weightsPath() { return weights(); }

    /** @deprecated renamed {@link #labels()}; this returns that param */
    @Deprecated
    public Param<String> labelsPath() { return labels(); }

    // ---- setters ----

    public ResNetTransformer setInputCol(String value) { return (ResNetTransformer) set(inputCol, value); }
    public ResNetTransformer setOutputCol(String value) { return (ResNetTransformer) set(outputCol, value); }
    public ResNetTransformer setProbabilitiesCol(String value) { return (ResNetTransformer) set(probabilitiesCol, value); }
    public ResNetTransformer setTopKCol(String value) { return (ResNetTransformer) set(topKCol, value); }
    public ResNetTransformer setTopK(int value) { return (ResNetTransformer) set(topK, value); }
    public ResNetTransformer setEmbeddingCol(String value) { return (ResNetTransformer) set(embeddingCol, value); }
    public ResNetTransformer setErrorCol(String value) { return (ResNetTransformer) set(errorCol, value); }

    /** Sets a scoring setting's param (checked by the setting's rule). */
    @SuppressWarnings("unchecked")
    public <T> ResNetTransformer setOption(Setting<T> setting, T value) {
        return (ResNetTransformer) set((Param<Object>) settingParam(setting.paramName()), value);
    }

    /** Sets every scoring param to the value {@code options} holds. */
    public ResNetTransformer setOptions(ScoringOptions options) {
        for (Setting<?> setting : ScoringSettings.of(FrontEnd.TRANSFORMER)) {
            setFrom(options, setting);
        }
        return this;
    }

    private <T> void setFrom(ScoringOptions options, Setting<T> setting) {
        setOption(setting, options.get(setting));
    }

    public ResNetTransformer setArch(String value) { return setOption(ScoringSettings.ARCH, value); }
    public ResNetTransformer setNumClasses(int value) { return setOption(ScoringSettings.NUM_CLASSES, value); }
    public ResNetTransformer setWeights(String value) { return setOption(ScoringSettings.WEIGHTS, value); }
    public ResNetTransformer setSeed(long value) { return setOption(ScoringSettings.SEED, value); }
    public ResNetTransformer setDevice(String value) { return setOption(ScoringSettings.DEVICE, value); }
    public ResNetTransformer setPrecision(String value) { return setOption(ScoringSettings.PRECISION, value); }
    public ResNetTransformer setMaxResidentModels(int value) { return setOption(ScoringSettings.MAX_RESIDENT_MODELS, value); }
    public ResNetTransformer setBatchSize(int value) { return setOption(ScoringSettings.BATCH_SIZE, value); }
    public ResNetTransformer setNumThreads(int value) { return setOption(ScoringSettings.NUM_THREADS, value); }
    public ResNetTransformer setResizeSize(int value) { return setOption(ScoringSettings.RESIZE_SIZE, value); }
    public ResNetTransformer setCropSize(int value) { return setOption(ScoringSettings.CROP_SIZE, value); }
    public ResNetTransformer setNormalize(boolean value) { return setOption(ScoringSettings.NORMALIZE, value); }
    public ResNetTransformer setMean(double[] value) { return setOption(ScoringSettings.MEAN, value); }
    public ResNetTransformer setStd(double[] value) { return setOption(ScoringSettings.STD, value); }
    public ResNetTransformer setMaxImagePixels(long value) { return setOption(ScoringSettings.MAX_IMAGE_PIXELS, value); }
    public ResNetTransformer setLabels(String value) { return setOption(ScoringSettings.LABELS, value); }
    public ResNetTransformer setHandleInvalid(String value) { return setOption(ScoringSettings.HANDLE_INVALID, value); }
    public ResNetTransformer setMaxInvalidFraction(double value) { return setOption(ScoringSettings.MAX_INVALID_FRACTION, value); }
    public ResNetTransformer setLogEveryBatches(int value) { return setOption(ScoringSettings.LOG_EVERY_BATCHES, value); }

    /** @deprecated use {@link #setArch} */
    @Deprecated
    public ResNetTransformer setArchitecture(String value) { return setArch(value); }

    /** @deprecated use {@link #setWeights} */
    @Deprecated
    public ResNetTransformer setWeightsPath(String value) { return setWeights(value); }

    /** @deprecated use {@link #setLabels} */
    @Deprecated
    public ResNetTransformer setLabelsPath(String value) { return setLabels(value); }

    /** Reports the next transforms' metrics (counts and stage timings) into {@code counters}. */
    public ResNetTransformer withMetrics(ScoringMetrics counters) {
        this.metrics = counters;
        return this;
    }

    private String string(Param<String> param) {
        return (String) $(param);
    }

    /**
     * The scoring settings these params hold: each param set by its name, else by an old name,
     * else the setting's default.
     *
     * @throws io.resnetspark.options.InvalidSettingException for settings that do not fit together
     */
    public ScoringOptions options() {
        return ScoringOptions.read(FrontEnd.TRANSFORMER, name -> {
            Param<?> param = settingParams.get(name);
            return param != null && isSet(param) ? Optional.of((Object) $(param)) : Optional.empty();
        });
    }

    /** The preprocessing these params describe. */
    public PreprocessConfig preprocessing() {
        return options().preprocessing();
    }

    /** What one scoring pass produces, in column order. */
    private ScoringOutputs outputs() {
        ScoringOutputs outputs = ScoringOutputs.none().with(ScoringOutputs.Kind.LOGITS);
        if (!string(probabilitiesCol).isEmpty()) {
            outputs = outputs.with(ScoringOutputs.Kind.PROBABILITIES);
        }
        if (!string(topKCol).isEmpty()) {
            outputs = outputs.withTopK((Integer) $(topK));
        }
        if (!string(embeddingCol).isEmpty()) {
            outputs = outputs.with(ScoringOutputs.Kind.EMBEDDING);
        }
        if (keepsInvalidRows()) {
            outputs = outputs.with(ScoringOutputs.Kind.ERROR);
        }
        return outputs;
    }

    /** The output column names, in the order of {@link #outputs()}. */
    private List<String> outputColumnNames() {
        List<String> names = new ArrayList<>();
        for (String name : new String[] {string(outputCol), string(probabilitiesCol), string(topKCol),
                string(embeddingCol), keepsInvalidRows() ? string(errorCol) : ""}) {
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    private boolean keepsInvalidRows() {
        return InvalidRowPolicy.parse(options().get(ScoringSettings.HANDLE_INVALID)) == InvalidRowPolicy.KEEP;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String input = string(inputCol);
        List<String> columns = Arrays.asList(schema.fieldNames());
        if (!columns.contains(input)) {
            throw new IllegalArgumentException("input column '" + input + "' does not exist; columns: "
                    + String.join(", ", schema.fieldNames()));
        }
        InputKind.of(input, schema.apply(input).dataType());
        options();
        List<String> added = new ArrayList<>();
        StructType out = schema;
        List<ScoringOutputs.Kind> kinds = outputs().kinds();
        List<String> names = outputColumnNames();
        for (int i = 0; i < names.size(); i++) {
            String column = names.get(i);
            if (columns.contains(column)) {
                throw new IllegalArgumentException("output column '" + column + "' already exists (type "
                        + schema.apply(column).dataType().simpleString() + "); choose another name");
            }
            if (added.contains(column)) {
                throw new IllegalArgumentException("output column '" + column + "' is named twice");
            }
            added.add(column);
            out = out.add(column, kinds.get(i).dataType(), true);
        }
        return out;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        SparkSession spark = dataset.sparkSession();
        LogicalPlan input = dataset.queryExecution().analyzed();
        String imageColumn = string(inputCol);
        Attribute image = JavaConverters.seqAsJavaList(input.output()).stream()
                .filter(a -> a.name().equals(imageColumn)).findFirst().orElseThrow();
        ScoringOutputs outputs = outputs();
        ScoringMetrics reported = metrics != null ? metrics : ScoringMetrics.register(spark.sparkContext());
        ResNetScoring scoring = new ResNetScoring(options(), outputs, image,
                ResNetScoring.resultAttributes(outputs, outputColumnNames()), input, reported);
        ResNetScoringStrategy.install(spark);
        return Datasets.ofRows(spark, scoring);
    }

    /**
     * Provenance of the weights these params select: {@code sha256:<hex>} of the weights file (read
     * through Hadoop), or {@code seed:<n>} for seeded random weights.
     */
    public String weightsFingerprint(Configuration hadoop) {
        return ScoringTask.fingerprint(options(), hadoop);
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
