package sparkcnn.jobs.data;

import java.util.List;

/**
 * How workers get their examples: {@code cache} = auto (in memory when a worker's decoded shard
 * fits {@code cacheLimitMb}, else streamed), memory or stream; what streaming reads ahead.
 */
public record Feed(String cache, int cacheLimitMb, int prefetchBatches, int decodeThreads, int shuffleFiles,
                   int batchSize) implements java.io.Serializable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Feed.class);
    static final List<String> CACHE = List.of("auto", "memory", "stream");

    /** Whether shards of {@code bytesPerWorker} decoded bytes stream (and the choice is logged). */
    boolean streams(String set, long bytesPerWorker) {
        boolean stream = cache.equals("stream") || cache.equals("auto") && bytesPerWorker > (long) cacheLimitMb << 20;
        log.info("{}: {} MiB of decoded examples per worker: {} (data.cache = {}, cache-limit-mb = {})", set,
                bytesPerWorker >> 20, stream ? "streamed from the files, " + prefetchBatches
                        + " minibatches decoded ahead" : "held in executor memory", cache, cacheLimitMb);
        return stream;
    }

    /** Examples a worker's stream decodes ahead. */
    int prefetchExamples() {
        return prefetchBatches * batchSize;
    }
}
