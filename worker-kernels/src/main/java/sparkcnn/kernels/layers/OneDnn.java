package sparkcnn.kernels.layers;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * oneDNN 2.5 through JavaCPP's presets, beside the oneDNN 2.3 inside ND4J: one CPU engine, and ND4J
 * arrays handed to oneDNN as memory without a copy. Its OpenMP threads are ND4J's (the two share
 * ND4J's libgomp, so {@code NativeBackend.init}'s thread count holds for both).
 */
final class OneDnn {
    private static volatile engine cpu;

    private OneDnn() {
    }

    static engine engine() {
        engine e = cpu;
        if (e == null) {
            synchronized (OneDnn.class) {
                if (cpu == null) {
                    cpu = new engine(engine.kind.cpu, 0);
                }
                e = cpu;
            }
        }
        return e;
    }

    static memory.desc desc(long[] dims, memory.format_tag layout) {
        return new memory.desc(dims, memory.data_type.f32, layout);
    }

    /** A memory of {@code desc} whose buffer is set per call with {@link #point}. */
    static memory unbound(memory.desc desc) {
        return new memory(desc, engine(), (Pointer) null);
    }

    /** Points {@code m} at the values of {@code a}, a {@link Plain} array. */
    static memory point(memory m, INDArray a) {
        if (!Plain.is(a)) {
            throw new IllegalArgumentException("oneDNN needs a dense float C-ordered array, got " + a.shapeInfoToString());
        }
        long values = a.data().addressPointer().address(); // a view's buffer starts at the view's offset
        m.set_data_handle(new Pointer() {
            {
                address = values;
            }
        });
        return m;
    }
}
