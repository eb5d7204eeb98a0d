package sparkcnn.driver.collective;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ring worker's link to the driver's {@link Coordinator}: its tracker's arguments, then a report
 * per step, sent in order by a thread of its own so that a large one (a state the driver
 * checkpoints) does not hold up the ring; the driver's commands, read by a thread of its own as they
 * come; and the driver's request to stop. It proves it belongs to
 * the run with the secret its {@link Coordinator.Contact} carries; everything is in {@link Wire}'s format.
 */
public final class DriverLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DriverLink.class);
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final HashMap<String, Object> trackerArgs;
    private final int timeoutSeconds;
    private final java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors
            .newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "sparkcnn-ring-report");
                t.setDaemon(true);
                return t;
            });
    private volatile IOException failed;
    private volatile boolean stopRequested;
    /** The driver's commands as they arrive; {@link #GONE} once the driver's side closed or failed. */
    private final java.util.concurrent.BlockingQueue<byte[]> commands = new java.util.concurrent.LinkedBlockingQueue<>();
    private static final byte[] GONE = new byte[0];
    private volatile String gone;

    private DriverLink(Coordinator.Contact contact, int attempt, int partition, int timeoutSeconds) throws IOException {
        this.timeoutSeconds = timeoutSeconds;
        String address = contact.address();
        int colon = address.lastIndexOf(':');
        socket = new Socket();
        socket.connect(new java.net.InetSocketAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1))), timeoutSeconds * 1000);
        socket.setSoTimeout(timeoutSeconds * 1000);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        Wire.join(in, out, contact.secret(), attempt, partition);
        byte answer = in.readByte();
        if (answer == Wire.FAILURE) {
            String reason = in.readUTF();
            socket.close();
            throw new RingException(reason);
        }
        if (answer != Wire.TRACKER_ARGS) {
            throw new Wire.ProtocolException("the coordinator answered with a frame of type " + answer);
        }
        trackerArgs = Wire.readArgs(in);
        socket.setSoTimeout(0); // the driver may be quiet for long (evaluating, checkpointing): its death closes the socket
        Thread reader = new Thread(this::read, "sparkcnn-ring-commands");
        reader.setDaemon(true);
        reader.start();
    }

    /** Reads the driver's frames until it closes: stop requests and commands. */
    private void read() {
        try {
            while (true) {
                byte type = in.readByte();
                if (type == Wire.STOP) {
                    stopRequested = true;
                } else if (type == Wire.COMMAND) {
                    commands.add(Wire.readBytes(in, Wire.MAX_COMMAND_BYTES));
                } else {
                    throw new Wire.ProtocolException("the coordinator sent a frame of type " + type);
                }
            }
        } catch (IOException e) {
            gone = e.toString();
            commands.add(GONE);
        }
    }

    /** Connects partition {@code partition} of stage attempt {@code attempt} to the run's coordinator. */
    public static DriverLink connect(Coordinator.Contact contact, int attempt, int partition, int timeoutSeconds) {
        try {
            return new DriverLink(contact, attempt, partition, timeoutSeconds);
        } catch (IOException e) {
            throw new RingException("task " + partition + " could not reach the driver's all-reduce coordinator at "
                    + contact.address() + ": " + e, e);
        }
    }

    public Map<String, Object> trackerArgs() {
        return trackerArgs;
    }

    /** Whether the driver asked the workers to end after their current step (never blocks). */
    public boolean stopRequested() {
        return stopRequested;
    }

    /** The driver's next command, waiting for it at most the timeout. */
    public byte[] nextCommand() {
        try {
            byte[] command = commands.poll(timeoutSeconds, TimeUnit.SECONDS);
            if (command == null) {
                throw new RingException("the driver sent no command within " + timeoutSeconds
                        + " s (train.allreduce.timeout)");
            }
            if (command == GONE) {
                commands.add(GONE);
                throw new RingException("the driver's all-reduce coordinator is gone: " + gone);
            }
            return command;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RingException("interrupted while waiting for the driver's command", e);
        }
    }

    /** Sends the report of {@code step} (in the background, after the earlier ones). */
    public void report(int step, byte[] payload) {
        requireSent();
        sender.execute(() -> {
            try {
                out.writeByte(Wire.REPORT);
                out.writeInt(step);
                out.writeInt(payload.length);
                out.write(payload);
                out.flush();
            } catch (IOException e) {
                failed = e;
            }
        });
    }

    private void requireSent() {
        if (failed != null) {
            throw new RingException("a worker's report did not reach the driver: " + failed, failed);
        }
    }

    /** Waits until every report was sent, then disconnects. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            if (!sender.awaitTermination(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new RingException("a worker's reports were not sent within " + timeoutSeconds
                        + " s (train.allreduce.timeout)");
            }
            requireSent();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("closing the connection to the coordinator", e);
            }
        }
    }
}
