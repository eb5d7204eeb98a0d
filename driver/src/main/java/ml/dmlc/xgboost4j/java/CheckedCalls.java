package ml.dmlc.xgboost4j.java;

import java.nio.ByteBuffer;

/**
 * XGBoost4J's native calls that sparkcnn needs, with their return codes checked.
 * {@code Communicator.allReduce(float[], OpType)} (3.4.0) drops that code, so a failed reduce would
 * hand back the input as if it were the sum; the JNI entry point and the check are package-private,
 * hence this class's package.
 */
public final class CheckedCalls {
    private CheckedCalls() {
    }

    /** XGBoost's log level for the calling thread (its global configuration is thread-local): 1 = warnings. */
    public static void verbosity(int level) throws XGBoostError {
        XGBoostJNI.checkCall(XGBoostJNI.XGBSetGlobalConfig("{\"verbosity\": " + level + "}"));
    }

    /** Sums the first {@code count} native-order floats of {@code direct} over the ring, in place. */
    public static void sumFloats(ByteBuffer direct, int count) throws XGBoostError {
        XGBoostJNI.checkCall(XGBoostJNI.CommunicatorAllreduce(direct, count,
                Communicator.DataType.FLOAT32.getEnumOp(), Communicator.OpType.SUM.getOperand()));
    }
}
