package sparkcnn.driver.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import sparkcnn.driver.collective.RingException;

/**
 * What the driver tells the ring's workers to do next, field by field on the coordinator's socket:
 * fit some rounds of an epoch, score the test shards, or end. The ring stays up from one to the next.
 */
sealed interface RingCommand {

    /**
     * Rounds {@code from..to-1} of {@code epoch} (of {@code rounds}); the driver needs the state after
     * every {@code stateEvery}-th round (0: after the last only). {@code plan}: the worker's streamed
     * shard of this epoch ({@code StreamedShard.plan()}), empty where it keeps the shard it has.
     */
    record Fit(int epoch, int from, int to, int rounds, int stateEvery, byte[] plan) implements RingCommand {
        Fit(int epoch, int from, int to, int rounds, int stateEvery) {
            this(epoch, from, to, rounds, stateEvery, new byte[0]);
        }

        boolean stateNeededAfter(int round) {
            return round == to - 1 || stateEvery > 0 && (round + 1) % stateEvery == 0;
        }

        /** The same rounds on a new epoch's shard. */
        Fit withPlan(byte[] newPlan) {
            return new Fit(epoch, from, to, rounds, stateEvery, newPlan);
        }
    }

    /** Score the state the workers hold on their test shards. */
    record Evaluate() implements RingCommand {
    }

    /** Leave the ring: the run is over, or the driver starts another ring. */
    record Finish() implements RingCommand {
    }

    default byte[] encode() {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            if (this instanceof Fit f) {
                out.writeByte('F');
                out.writeInt(f.epoch());
                out.writeInt(f.from());
                out.writeInt(f.to());
                out.writeInt(f.rounds());
                out.writeInt(f.stateEvery());
                out.writeInt(f.plan().length);
                out.write(f.plan());
            } else {
                out.writeByte(this instanceof Evaluate ? 'E' : 'X');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    static RingCommand decode(byte[] bytes) {
        try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte type = in.readByte();
            return switch (type) {
                case 'F' -> new Fit(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt(),
                        in.readNBytes(in.readInt()));
                case 'E' -> new Evaluate();
                case 'X' -> new Finish();
                default -> throw new RingException("a command of unknown type " + type);
            };
        } catch (IOException e) {
            throw new RingException("the driver's command did not decode: " + e.getMessage(), e);
        }
    }
}
