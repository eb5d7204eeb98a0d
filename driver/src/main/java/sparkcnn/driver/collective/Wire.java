package sparkcnn.driver.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The coordinator's wire format: a handful of typed fields, never Java serialisation (whoever reaches
 * the driver's port must not make it instantiate classes). The driver speaks first:
 * <pre>
 *   driver -> task:  MAGIC, VERSION, 32-byte nonce
 *   task -> driver:  MAGIC, VERSION, attempt, partition, HMAC-SHA256(run secret, nonce | attempt | partition)
 *   driver -> task:  TRACKER_ARGS (typed map) or FAILURE (reason), then COMMAND (length, bytes) as the run
 *                    goes on, and STOP whenever it stops
 *   task -> driver:  REPORT (step, length, bytes) ...
 * </pre>
 * The run's secret reaches the tasks inside the job (Spark's task closure), never the socket.
 */
final class Wire {
    static final int MAGIC = 0x53434E52; // "SCNR"
    static final int VERSION = 2;
    static final int NONCE_BYTES = 32;
    static final byte TRACKER_ARGS = 1;
    static final byte FAILURE = 2;
    static final byte STOP = 3;
    static final byte REPORT = 4;
    static final byte COMMAND = 5;
    /** The largest command: one worker's plan of files for an epoch. */
    static final int MAX_COMMAND_BYTES = 1 << 30;
    /** The largest report: a state the driver checkpoints (DenseNet-264's parameters and momentum are ~0.3 GB). */
    static final int MAX_REPORT_BYTES = Integer.MAX_VALUE - 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Wire() {
    }

    /** A fresh secret for one run's coordinator. */
    static byte[] newSecret() {
        return random(32);
    }

    static byte[] random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return b;
    }

    /** What proves a task belongs to the run: the MAC of the driver's nonce and the task's place. */
    static byte[] proof(byte[] secret, byte[] nonce, int attempt, int partition) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(nonce);
            mac.update(ByteBuffer.allocate(8).putInt(attempt).putInt(partition).array());
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java 17", e);
        }
    }

    /** A task that proved it belongs to the run: its stage attempt and partition. */
    record Hello(int attempt, int partition) {
    }

    /**
     * The driver's half of the handshake: its nonce out, the task's proof in. The task's place, or a
     * {@link ProtocolException} saying why it was not admitted.
     */
    static Hello admit(DataInputStream in, DataOutputStream out, byte[] secret, int workers) throws IOException {
        byte[] nonce = random(NONCE_BYTES);
        writeHeader(out);
        out.write(nonce);
        out.flush();
        expectHeader(in);
        int attempt = in.readInt();
        int partition = in.readInt();
        byte[] proof = new byte[32];
        in.readFully(proof);
        if (!MessageDigest.isEqual(proof, proof(secret, nonce, attempt, partition))) { // constant time
            throw new ProtocolException("it does not hold the run's secret");
        }
        if (attempt < 0 || partition < 0 || partition >= workers) {
            throw new ProtocolException("attempt " + attempt + ", partition " + partition + " of " + workers);
        }
        return new Hello(attempt, partition);
    }

    /** The task's half: the driver's nonce in, its place and proof out. */
    static void join(DataInputStream in, DataOutputStream out, byte[] secret, int attempt, int partition)
            throws IOException {
        expectHeader(in);
        byte[] nonce = new byte[NONCE_BYTES];
        in.readFully(nonce);
        writeHeader(out);
        out.writeInt(attempt);
        out.writeInt(partition);
        out.write(proof(secret, nonce, attempt, partition));
        out.flush();
    }

    static void expectHeader(DataInputStream in) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new ProtocolException(String.format("not a sparkcnn ring worker (its first bytes are %08x)", magic));
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new ProtocolException("wire version " + version + ", this driver speaks " + VERSION);
        }
    }

    static void writeHeader(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
    }

    /** XGBoost's tracker arguments: strings and numbers. */
    static void writeArgs(DataOutputStream out, Map<String, Object> args) throws IOException {
        out.writeInt(args.size());
        for (var e : args.entrySet()) {
            out.writeUTF(e.getKey());
            Object value = e.getValue();
            if (value instanceof Integer i) {
                out.writeByte('i');
                out.writeInt(i);
            } else if (value instanceof Long l) {
                out.writeByte('l');
                out.writeLong(l);
            } else if (value instanceof Boolean b) {
                out.writeByte('b');
                out.writeBoolean(b);
            } else {
                out.writeByte('s');
                out.writeUTF(String.valueOf(value));
            }
        }
    }

    static HashMap<String, Object> readArgs(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > 1000) {
            throw new ProtocolException(count + " tracker arguments");
        }
        HashMap<String, Object> args = new HashMap<>();
        for (int i = 0; i < count; i++) {
            String key = in.readUTF();
            byte type = in.readByte();
            args.put(key, switch (type) {
                case 'i' -> in.readInt();
                case 'l' -> in.readLong();
                case 'b' -> in.readBoolean();
                case 's' -> in.readUTF();
                default -> throw new ProtocolException("tracker argument " + key + " of unknown type " + type);
            });
        }
        return args;
    }

    /** A command frame: its bytes, as {@link #readBytes} reads them back. */
    static void writeCommand(DataOutputStream out, byte[] command) throws IOException {
        out.writeByte(COMMAND);
        out.writeInt(command.length);
        out.write(command);
    }

    static byte[] readBytes(DataInputStream in, int max) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > max) {
            throw new ProtocolException("a frame of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    /** Bytes that do not follow the format: the connection is dropped. */
    static final class ProtocolException extends IOException {
        ProtocolException(String message) {
            super(message);
        }
    }
}
