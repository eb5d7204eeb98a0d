package sparkcnn.driver.collective;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ring worker's link to the driver's {@link Coordinator}: its tracker's arguments, then a report
 * per step, sent in order by a thread of its own so that a large one (a state the driver
 * checkpoints) does not hold up the ring; and the driver's request to stop.
 */
public final class DriverLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DriverLink.class);
    private final Socket socket;
    private final ObjectOutputStream out;
    private final ObjectInputStream in;
    private final HashMap<String, Object> trackerArgs;
    private final int timeoutSeconds;
    private final java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors
            .newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "sparkcnn-ring-report");
                t.setDaemon(true);
                return t;
            });
    private volatile IOException failed;
    private boolean stopRequested;

    @SuppressWarnings("unchecked")
    private DriverLink(String address, int attempt, int partition, int timeoutSeconds) throws IOException,
            ClassNotFoundException {
        this.timeoutSeconds = timeoutSeconds;
        int colon = address.lastIndexOf(':');
        socket = new Socket();
        socket.connect(new java.net.InetSocketAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1))), timeoutSeconds * 1000);
        socket.setSoTimeout(timeoutSeconds * 1000);
        out = new ObjectOutputStream(socket.getOutputStream());
        out.writeObject(new Coordinator.Hello(attempt, partition));
        out.flush();
        in = new ObjectInputStream(socket.getInputStream());
        Object answer = in.readObject();
        if (answer instanceof String reason) {
            socket.close();
            throw new RingException(reason);
        }
        trackerArgs = (HashMap<String, Object>) answer;
    }

    /** Connects partition {@code partition} of stage attempt {@code attempt} to the coordinator at {@code address}. */
    public static DriverLink connect(String address, int attempt, int partition, int timeoutSeconds) {
        try {
            return new DriverLink(address, attempt, partition, timeoutSeconds);
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            throw new RingException("task " + partition + " could not reach the driver's all-reduce coordinator at "
                    + address + ": " + e, e);
        }
    }

    public Map<String, Object> trackerArgs() {
        return trackerArgs;
    }

    /** Whether the driver asked the workers to end after their current step (never blocks). */
    public boolean stopRequested() {
        try {
            while (!stopRequested && socket.getInputStream().available() > 0) {
                stopRequested = Coordinator.STOP.equals(in.readObject());
            }
            return stopRequested;
        } catch (IOException | ClassNotFoundException e) {
            throw new RingException("the driver's all-reduce coordinator is gone: " + e, e);
        }
    }

    /** Sends the report of {@code step} (in the background, after the earlier ones). */
    public void report(int step, Serializable payload) {
        requireSent();
        sender.execute(() -> {
            try {
                out.writeObject(new Coordinator.Report(step, payload));
                out.flush();
                out.reset();
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
