package io.resnetspark.sql;

import io.resnetspark.spark.InputKind;
import io.resnetspark.spark.plan.ListExpression;
import io.resnetspark.spark.plan.ScalaInterop;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Unevaluable;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;

/**
 * A call of one of the ResNet SQL functions: an ordinary, deterministic expression with the right
 * result type and the argument checks, so that the optimizer prunes calls nobody uses and moves
 * filters on plain columns below them. It is never evaluated row by row: late in the optimizer
 * {@link ExtractResNetCalls} replaces every call by a column of a batched scoring node.
 */
public final class ResNetCall extends ListExpression implements Unevaluable {

    private static final long serialVersionUID = 1L;

    private final ResNetFunction function;
    private final List<Expression> arguments;

    public ResNetCall(ResNetFunction function, List<Expression> arguments) {
        this.function = function;
        this.arguments = List.copyOf(arguments);
    }

    /** The constructor Catalyst's reflective {@code makeCopy} finds (productElement order). */
    public ResNetCall(ResNetFunction function, scala.collection.Seq<Expression> arguments) {
        this(function, ScalaInterop.list(arguments));
    }

    public ResNetFunction function() {
        return function;
    }

    /** The image argument (valid only when the call type-checks). */
    public Expression image() {
        return arguments.get(0);
    }

    /** k of resnet_topk (5 when omitted), 0 for the other functions. */
    public int k() {
        if (function != ResNetFunction.TOPK) {
            return 0;
        }
        if (arguments.size() < 2) {
            return 5;
        }
        return ((Number) arguments.get(1).eval(null)).intValue();
    }

    @Override
    public TypeCheckResult checkInputDataTypes() {
        String name = function.sqlName();
        int max = function == ResNetFunction.TOPK ? 2 : 1;
        if (arguments.isEmpty() || arguments.size() > max) {
            return fail(name + " takes " + (max == 1 ? "one argument (image)" : "1 or 2 arguments (image, k)")
                    + ", got " + arguments.size());
        }
        Expression image = arguments.get(0);
        DataType type = image.dataType();
        boolean accepted = false;
        if (!type.equals(DataTypes.StringType)) {
            try {
                InputKind.of("image", type);
                accepted = true;
            } catch (IllegalArgumentException e) {
                accepted = false;
            }
        }
        if (!accepted) {
            return fail(name + ": argument 1 (image) " + image.sql() + " has type " + type.simpleString()
                    + "; expected binary (encoded image bytes) or Spark's image struct"
                    + " struct<origin:string,height:int,width:int,nChannels:int,mode:int,data:binary>");
        }
        if (arguments.size() == 2) {
            Expression k = arguments.get(1);
            if (!(k.dataType() instanceof IntegralType)) {
                return fail(name + ": argument 2 (k) " + k.sql() + " has type " + k.dataType().simpleString()
                        + "; expected an integer literal > 0");
            }
            if (!k.foldable()) {
                return fail(name + ": argument 2 (k) " + k.sql() + " must be a constant (an integer literal > 0),"
                        + " not a column or an expression over columns");
            }
            Object value = k.eval(null);
            if (value == null || ((Number) value).longValue() <= 0 || ((Number) value).longValue() > Integer.MAX_VALUE) {
                return fail(name + ": argument 2 (k) must be an integer > 0, got " + value);
            }
        }
        String settings = SqlSettings.problem(SQLConf.get());
        if (settings != null) {
            return fail(name + ": " + settings);
        }
        return TypeCheckResult.TypeCheckSuccess$.MODULE$;
    }

    private static TypeCheckResult fail(String message) {
        return new TypeCheckResult.TypeCheckFailure(message);
    }

    @Override
    public boolean nullable() {
        return true;
    }

    @Override
    public DataType dataType() {
        return function.dataType();
    }

    @Override
    public String prettyName() {
        return function.sqlName();
    }

    @Override
    public List<Expression> arguments() {
        return arguments;
    }

    @Override
    public Expression withArguments(List<Expression> newArguments) {
        return new ResNetCall(function, newArguments);
    }

    @Override
    public boolean foldable() {
        return false;
    }

    @Override
    public Object eval(InternalRow input) {
        throw new UnsupportedOperationException(function.sqlName()
                + " runs only in a batched scoring node; install the functions with spark.sql.extensions="
                + ResNetSqlExtensions.class.getName() + " or ResNetSql.register(spark)");
    }

    @Override
    public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
        throw new UnsupportedOperationException(function.sqlName() + " cannot be compiled; it runs in a batched scoring node");
    }

    @Override
    public int productArity() {
        return 2;
    }

    @Override
    public Object productElement(int n) {
        return n == 0 ? function : children();
    }

    @Override
    public boolean canEqual(Object that) {
        return that instanceof ResNetCall;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ResNetCall && ((ResNetCall) other).function == function
                && ((ResNetCall) other).arguments.equals(arguments);
    }

    @Override
    public int hashCode() {
        return Objects.hash(function, arguments);
    }
}
