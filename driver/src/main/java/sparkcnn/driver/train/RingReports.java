package sparkcnn.driver.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import sparkcnn.driver.collective.RingException;
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.kernels.eval.EvalCounts;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;

/**
 * What a ring worker reports to the driver after each step, field by field, never Java serialisation:
 * the driver reads it from a socket ({@code Coordinator}).
 */
final class RingReports {
    private RingReports() {
    }

    /**
     * A worker's report of a round: its counts and rejected files; {@code last}: the ring ends the
     * command after it (its last round, or a stop); {@code state}: the averaged state, from partition 0
     * where the driver needs it, else null.
     */
    record Round(WorkerRound worker, boolean last, ModelState state) {
    }

    static byte[] encode(Round report) {
        return write(out -> {
            RoundResult r = report.worker().result();
            out.writeInt(r.workers());
            out.writeDouble(r.lossSum());
            out.writeInt(r.minibatches());
            out.writeLong(r.examples());
            out.writeDouble(r.fitSeconds());
            writeStrings(out, report.worker().rejected());
            out.writeBoolean(report.last());
            out.writeBoolean(report.state() != null);
            if (report.state() != null) {
                report.state().writeTo(out);
            }
        });
    }

    static Round decodeRound(byte[] bytes) {
        return read(bytes, in -> {
            var result = new RoundResult(new float[0], new float[0], in.readInt(), in.readDouble(), in.readInt(),
                    in.readLong(), in.readDouble());
            List<String> rejected = readStrings(in);
            boolean last = in.readBoolean();
            ModelState state = in.readBoolean() ? ModelState.readFrom(in) : null;
            return new Round(new WorkerRound(result, rejected), last, state);
        });
    }

    /** A worker's tallies of its test shard. */
    static byte[] encode(DistributedEvaluation.Scored scored) {
        return write(out -> {
            long[][] confusion = scored.counts().confusion();
            out.writeInt(confusion.length);
            for (long[] row : confusion) {
                for (long c : row) {
                    out.writeLong(c);
                }
            }
            out.writeDouble(scored.counts().lossSum());
            out.writeLong(scored.counts().top5Hits());
            writeStrings(out, scored.rejected());
        });
    }

    static DistributedEvaluation.Scored decodeScored(byte[] bytes) {
        return read(bytes, in -> {
            int classes = in.readInt();
            if (classes < 0 || classes > 100_000) {
                throw new IOException(classes + " classes");
            }
            long[][] confusion = new long[classes][classes];
            for (long[] row : confusion) {
                for (int j = 0; j < classes; j++) {
                    row[j] = in.readLong();
                }
            }
            var counts = new EvalCounts(confusion, in.readDouble(), in.readLong());
            return new DistributedEvaluation.Scored(counts, readStrings(in));
        });
    }

    private static void writeStrings(DataOutputStream out, List<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            out.writeUTF(s);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            strings.add(in.readUTF());
        }
        return strings;
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Writer writer) {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    private static <T> T read(byte[] bytes, Reader<T> reader) {
        try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return reader.read(in);
        } catch (IOException | RuntimeException e) {
            throw new RingException("a worker's report did not decode: " + e, e);
        }
    }
}
