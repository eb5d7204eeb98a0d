import org.bytedeco.javacpp.*;
import org.bytedeco.dnnl.*;
import static org.bytedeco.dnnl.global.dnnl.*;
import java.util.*;

/** oneDNN 2.5 convolution forward / backward-data / backward-weights, medians of 9 (ms), activations in NCHW, NHWC, or the kernel's choice plus the reorders an NCHW caller pays. */
public class ConvLayouts {
    static engine eng = new engine(engine.kind.cpu, 0);
    static stream s = new stream(eng);
    static memory.desc md(long[] dims, memory.format_tag tag) { return new memory.desc(dims, memory.data_type.f32, tag); }
    static double time(Runnable r) {
        for (int i = 0; i < 3; i++) r.run();
        double[] t = new double[9];
        for (int i = 0; i < t.length; i++) { long t0 = System.nanoTime(); r.run(); t[i] = (System.nanoTime() - t0) / 1e6; }
        Arrays.sort(t); return t[4];
    }
    public static void main(String[] a) {
        long[][] cases = {{64, 84, 32, 32, 48, 1}, {64, 48, 32, 32, 12, 3}, {64, 120, 16, 16, 48, 1}, {64, 48, 16, 16, 12, 3}, {64, 36, 32, 32, 48, 1}, {16, 256, 28, 28, 128, 1}, {16, 128, 28, 28, 32, 3}};
        memory.format_tag[] tags = {memory.format_tag.nchw, memory.format_tag.nhwc, memory.format_tag.any};
        String[] names = {"nchw", "nhwc", "any"};
        System.out.println("| input NCHW dims | conv | activations | forward | backward data | backward weights | reorders | total | kernels |");
        System.out.println("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |");
        for (long[] c : cases) {
            long b = c[0], ic = c[1], h = c[2], w = c[3], oc = c[4], k = c[5], p = k / 2;
            long[] src = {b, ic, h, w}, wei = {oc, ic, k, k}, dst = {b, oc, h, w}, st = {1, 1}, pad = {p, p}, bias = {oc};
            for (int ti = 0; ti < 3; ti++) {
                memory.format_tag tag = tags[ti];
                var fd = new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct, md(src, tag), md(wei, memory.format_tag.any), md(bias, memory.format_tag.x), md(dst, tag), st, pad, pad);
                var fpd = new convolution_forward.primitive_desc(fd, eng);
                var srcM = new memory(fpd.src_desc(), eng); var weiM = new memory(fpd.weights_desc(), eng); var dstM = new memory(fpd.dst_desc(), eng);
                var biasM = new memory(md(bias, memory.format_tag.x), eng);
                var fwd = new convolution_forward(fpd);
                var fargs = new IntMemoryMap().put(DNNL_ARG_SRC, srcM).put(DNNL_ARG_WEIGHTS, weiM).put(DNNL_ARG_BIAS, biasM).put(DNNL_ARG_DST, dstM);
                var bd = new convolution_backward_data.desc(algorithm.convolution_direct, md(src, tag), md(wei, memory.format_tag.any), md(dst, tag), st, pad, pad);
                var bpd = new convolution_backward_data.primitive_desc(bd, eng, fpd);
                var dsrcM = new memory(bpd.diff_src_desc(), eng); var bweiM = new memory(bpd.weights_desc(), eng); var ddstM = new memory(bpd.diff_dst_desc(), eng);
                var bwd = new convolution_backward_data(bpd);
                var bargs = new IntMemoryMap().put(DNNL_ARG_DIFF_SRC, dsrcM).put(DNNL_ARG_WEIGHTS, bweiM).put(DNNL_ARG_DIFF_DST, ddstM);
                var wd = new convolution_backward_weights.desc(algorithm.convolution_direct, md(src, tag), md(wei, memory.format_tag.any), md(bias, memory.format_tag.x), md(dst, tag), st, pad, pad);
                var wpd = new convolution_backward_weights.primitive_desc(wd, eng, fpd);
                var wsrcM = new memory(wpd.src_desc(), eng); var dweiM = new memory(wpd.diff_weights_desc(), eng); var wddstM = new memory(wpd.diff_dst_desc(), eng); var dbiasM = new memory(md(bias, memory.format_tag.x), eng);
                var bww = new convolution_backward_weights(wpd);
                var wargs = new IntMemoryMap().put(DNNL_ARG_SRC, wsrcM).put(DNNL_ARG_DIFF_WEIGHTS, dweiM).put(DNNL_ARG_DIFF_BIAS, dbiasM).put(DNNL_ARG_DIFF_DST, wddstM);
                double tf = time(() -> { fwd.execute(s, fargs); s._wait(); });
                double tb = time(() -> { bwd.execute(s, bargs); s._wait(); });
                double tw = time(() -> { bww.execute(s, wargs); s._wait(); });
                double reo = 0;
                if (tag == memory.format_tag.any) { // price the activation reorders a NCHW caller pays: src in, dst out, diff_dst in (x2), diff_src out
                    var user = new memory(md(src, memory.format_tag.nchw), eng);
                    var r1 = new reorder(new reorder.primitive_desc(eng, user.get_desc(), eng, srcM.get_desc()));
                    var userD = new memory(md(dst, memory.format_tag.nchw), eng);
                    var r2 = new reorder(new reorder.primitive_desc(eng, dstM.get_desc(), eng, userD.get_desc()));
                    var r3 = new reorder(new reorder.primitive_desc(eng, userD.get_desc(), eng, ddstM.get_desc()));
                    var r4 = new reorder(new reorder.primitive_desc(eng, dsrcM.get_desc(), eng, user.get_desc()));
                    reo = time(() -> { r1.execute(s, user, srcM); s._wait(); }) + time(() -> { r2.execute(s, dstM, userD); s._wait(); })
                        + 2 * time(() -> { r3.execute(s, userD, ddstM); s._wait(); }) + time(() -> { r4.execute(s, dsrcM, user); s._wait(); });
                }
                System.out.printf("| %dx%dx%dx%d | %dx%d -> %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s / %s / %s |%n", b, ic, h, w, k, k, oc, names[ti], tf, tb, tw, reo, tf + tb + tw + reo,
                        fpd.impl_info_str().getString(), bpd.impl_info_str().getString(), wpd.impl_info_str().getString());
            }
        }
    }
}
