package sparkcnn.kernels.layers;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A primitive's own scratchpad, for a part of a minibatch run alone on a worker's thread (oneDNN's
 * shared one is not for concurrent calls): its thread's buffer, grown to the largest primitive that
 * thread runs.
 */
record OneDnnScratchpad(memory memory, long bytes) {
    private static final ThreadLocal<INDArray[]> BUFFER = ThreadLocal.withInitial(() -> new INDArray[1]);

    /** The scratchpad {@code desc} asks for, put in {@code args}; null where the primitive needs none. */
    static OneDnnScratchpad of(memory.desc desc, IntMemoryMap args) {
        long bytes = desc.get_size();
        if (bytes == 0) {
            return null;
        }
        var m = OneDnn.unbound(desc);
        args.put(DNNL_ARG_SCRATCHPAD, m);
        return new OneDnnScratchpad(m, bytes);
    }

    /** Points {@code s} (if any) at this thread's buffer before its primitive runs. */
    static void point(OneDnnScratchpad s) {
        if (s == null) {
            return;
        }
        INDArray[] buffer = BUFFER.get();
        long floats = (s.bytes + 3) / 4;
        if (buffer[0] == null || buffer[0].length() < floats) {
            buffer[0] = Nd4j.createUninitializedDetached(DataType.FLOAT, floats);
        }
        OneDnn.point(s.memory, buffer[0]);
    }
}
