package ml.dmlc.xgboost4j.java;

import java.nio.ByteBuffer;

/**
 * XGBoost4J's native call that sparkcnn needs, with its return code checked.
 * {@code Communicator.allReduce(float[], OpType)} (3.4.0) drops that code, so a failed reduce would
 * hand back the input as if it were the sum; the JNI entry point and the check are package-private,
 * hence this class's package.
 */
public final class CheckedCalls {
    private CheckedCalls() {
    }

    /** Sums the first {@code count} native-order floats of {@code direct} over the ring, in place. */
    public static void sumFloats(ByteBuffer direct, int count) throws XGBoostError {
        XGBoostJNI.checkCall(XGBoostJNI.CommunicatorAllreduce(direct, count,
                Communicator.DataType.FLOAT32.getEnumOp(), Communicator.OpType.SUM.getOperand()));
    }
}
