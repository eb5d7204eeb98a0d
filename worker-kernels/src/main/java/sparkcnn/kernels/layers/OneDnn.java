package sparkcnn.kernels.layers;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.nativeblas.NativeOpsHolder;

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

    /**
     * Runs {@code work} with OpenMP at one thread on the calling thread (OpenMP's count is each
     * thread's own): the primitives it makes are made for one thread, and those it runs wake no other.
     */
    static void alone(Runnable work) {
        var ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        int threads = ops.ompGetMaxThreads();
        if (threads == 1) {
            work.run();
            return;
        }
        ops.setOmpNumThreads(1);
        try {
            work.run();
        } finally {
            ops.setOmpNumThreads(threads);
        }
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
        return point(m, a, 0);
    }

    /** Points {@code m} at the values of {@code a} (a {@link Plain} array) from value {@code first} on. */
    static memory point(memory m, INDArray a, long first) {
        if (!Plain.is(a)) {
            throw new IllegalArgumentException("oneDNN needs a dense float C-ordered array, got " + a.shapeInfoToString());
        }
        // a view's buffer starts at the view's offset
        long values = a.data().addressPointer().address() + first * Float.BYTES;
        m.set_data_handle(new Pointer() {
            {
                address = values;
            }
        });
        return m;
    }
}
