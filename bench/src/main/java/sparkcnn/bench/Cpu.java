package sparkcnn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** This machine's CPU, from /proc/cpuinfo, for the results files. */
final class Cpu {
    private Cpu() {
    }

    static String model() {
        return info("model name");
    }

    /** The SIMD extensions this CPU has of those the kernels may use (the fleet differs: some lack AVX-512). */
    static String simdFlags() {
        String flags = " " + info("flags") + " ";
        List<String> simd = new ArrayList<>();
        for (String f : List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile")) {
            if (flags.contains(" " + f + " ")) {
                simd.add(f);
            }
        }
        return String.join(" ", simd);
    }

    private static String info(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException ignored) {
            // not Linux: unknown
        }
        return "unknown";
    }
}
