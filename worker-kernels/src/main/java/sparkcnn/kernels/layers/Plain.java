package sparkcnn.kernels.layers;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** ND4J arrays whose values the own kernels and oneDNN read and write in place: float, dense in C order. */
final class Plain {
    private Plain() {
    }

    /** Float, with its values dense in C order (a size-1 axis may carry any stride). */
    static boolean is(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            return false;
        }
        long expected = 1;
        for (int axis = a.rank() - 1; axis >= 0; axis--) {
            if (a.size(axis) != 1 && a.stride(axis) != expected) {
                return false;
            }
            expected *= a.size(axis);
        }
        return true;
    }

    /** {@code a} itself when it is plain, else a plain copy. */
    static INDArray of(INDArray a) {
        return is(a) ? a : a.castTo(DataType.FLOAT).dup('c');
    }

    /** The values of a small array (a parameter vector): read from its buffer where it is plain, without an ND4J op. */
    static float[] read(INDArray a) {
        if (!is(a)) {
            return a.toFloatVector();
        }
        float[] values = new float[(int) a.length()];
        floats(a).get(0, values);
        return values;
    }

    /** Writes {@code values} into a small plain array (a gradient view) without an ND4J op. */
    static void write(INDArray a, float[] values) {
        if (a.length() != values.length) {
            throw new IllegalArgumentException(values.length + " values for an array of " + a.length());
        }
        floats(a).put(0, values);
    }

    /** The values of a plain array, from its first: a view's buffer is its whole array's, from 0. */
    static FloatBuffer floats(INDArray a) {
        if (!is(a)) {
            throw new IllegalArgumentException("not a dense float C-ordered array: " + a.shapeInfoToString());
        }
        return a.data().asNioFloat().position((int) a.offset()).slice();
    }
}
