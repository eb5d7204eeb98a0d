package sparkcnn.driver.collective;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's side of one barrier stage of ring workers. It gives each attempt of the stage its own
 * XGBoost tracker (Spark reruns every task of a failed barrier stage, and a tracker serves one group
 * once), and it gathers the small reports the workers send after each step, so the driver follows
 * the rounds while the state stays on the executors. A step is delivered once, in order, when every
 * worker of one attempt reported it; a rerun attempt's repeats of delivered steps are dropped.
 *
 * <p>Only the run's own tasks can talk to it: it listens on the driver's address alone, a task proves
 * it holds the run's secret ({@link Contact}, which travels inside the job) before anything else is
 * read, and nothing read from the socket is deserialised as Java objects ({@link Wire}). A connection
 * that fails any of it is logged and dropped; the run goes on.
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Coordinator.class);
    /** How long the driver still waits for reports the tasks of a finished job sent before they ended. */
    private static final long LATE_REPORT_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** How a task reaches the coordinator: host:port and the run's secret (sent with the job, never on the socket). */
    public record Contact(String address, byte[] secret) implements Serializable {
    }

    private final int workers;
    private final int timeoutSeconds;
    private final String host;
    private final ServerSocket server;
    private final Trackers trackers;
    private final byte[] secret = Wire.newSecret();
    private final AtomicInteger refused = new AtomicInteger();
    private final Steps steps;
    private final List<Socket> connections = new ArrayList<>();
    /** Every connected task's stream, by its place. */
    private final List<Link> toWorkers = new ArrayList<>();
    /** The commands sent so far, one per partition each: a task that connects later receives them all. */
    private final List<byte[][]> commands = new ArrayList<>();
    private boolean stopRequested;

    private record Link(Wire.Hello hello, DataOutputStream out) {
    }

    private Coordinator(String host, int workers, int timeoutSeconds, int firstStep) throws IOException {
        this.host = host;
        this.workers = workers;
        this.timeoutSeconds = timeoutSeconds;
        this.steps = new Steps(workers, firstStep);
        this.trackers = new Trackers(host, workers, timeoutSeconds);
        this.server = new ServerSocket(0, Math.max(50, 2 * workers), InetAddress.getByName(host));
        Thread acceptor = new Thread(this::accept, "sparkcnn-ring-coordinator");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * A coordinator for {@code workers} tasks, reachable at {@code host} (the driver's address as
     * executors see it), expecting steps from {@code firstStep} on.
     */
    public static Coordinator start(String host, int workers, int timeoutSeconds, int firstStep) {
        try {
            return new Coordinator(InetAddress.getByName(host).getHostAddress(), workers, timeoutSeconds, firstStep);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open the all-reduce coordinator on " + host, e);
        }
    }

    /** Where the tasks connect, and the secret they prove they hold. */
    public Contact contact() {
        return new Contact(host + ":" + server.getLocalPort(), secret.clone());
    }

    /** Connections dropped so far: no proof of the run's secret, or bytes not of the format. */
    public int refused() {
        return refused.get();
    }

    /**
     * The reports of the next step, one per partition; empty where {@code job} ended (failed, or
     * stopped early) without every worker reporting it. Gives up after {@code timeoutNanos}.
     */
    public Optional<List<byte[]>> nextStep(Future<?> job, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        Long ended = null;
        while (true) {
            List<byte[]> step = steps.poll(100, TimeUnit.MILLISECONDS);
            if (step != null) {
                return Optional.of(step);
            }
            long now = System.nanoTime();
            if (job.isDone() && ended == null) {
                ended = now;
            }
            if (ended != null && (isFailed(job) || now - ended > LATE_REPORT_NANOS)) {
                return Optional.empty();
            }
            if (now > deadline) {
                throw new RingException(String.format("no worker group finished step %d within %d s "
                        + "(train.allreduce.timeout): a worker is stuck, or a peer never joined the ring",
                        steps.next(), TimeUnit.NANOSECONDS.toSeconds(timeoutNanos)));
            }
        }
    }

    /**
     * Asks every worker to end after its current step (they agree through the ring which step that
     * is), including those of attempts still to come.
     */
    public synchronized void requestStop() {
        stopRequested = true;
        toEveryWorker("was not told to stop", link -> link.out().writeByte(Wire.STOP));
    }

    /** Sends every worker the same command. */
    public void send(byte[] command) {
        send(partition -> command);
    }

    /**
     * Sends each worker its command ({@code ofPartition}: a partition's bytes), in order after the
     * earlier ones; tasks that connect later (or a rerun attempt's) receive every command on arrival.
     */
    public synchronized void send(java.util.function.IntFunction<byte[]> ofPartition) {
        byte[][] command = new byte[workers][];
        for (int p = 0; p < workers; p++) {
            command[p] = ofPartition.apply(p);
        }
        commands.add(command);
        toEveryWorker("did not receive a command",
                link -> Wire.writeCommand(link.out(), command[link.hello().partition()]));
    }

    private interface Frame {
        void writeTo(Link link) throws IOException;
    }

    /** Writes {@code frame} to every connected worker; one that is gone fails its stage anyway. */
    private void toEveryWorker(String otherwise, Frame frame) {
        for (Link link : toWorkers) {
            try {
                frame.writeTo(link);
                link.out().flush();
            } catch (IOException e) {
                log.debug("a worker that is gone {}", otherwise, e);
            }
        }
    }

    private static boolean isFailed(Future<?> job) {
        try {
            job.get(0, TimeUnit.MILLISECONDS);
            return false;
        } catch (Exception e) {
            return true;
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                synchronized (this) {
                    connections.add(socket);
                }
                Thread reader = new Thread(() -> serve(socket), "sparkcnn-ring-reports");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("the all-reduce coordinator stopped accepting workers", e);
                }
                return;
            }
        }
    }

    /**
     * One task's connection: its proof of membership in, its tracker's arguments (and the commands
     * so far) out, then its reports in until it closes. A connection that does not prove it belongs to the run is dropped.
     */
    private void serve(Socket socket) {
        try (socket) {
            var in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            var out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
            Wire.Hello hello = admitted(socket, in, out);
            if (hello == null) {
                return;
            }
            greet(hello, out);
            while (true) {
                byte type = in.readByte();
                if (type != Wire.REPORT) {
                    throw new Wire.ProtocolException("a frame of unknown type " + type);
                }
                int step = in.readInt();
                steps.record(hello, step, Wire.readBytes(in, Wire.MAX_REPORT_BYTES));
            }
        } catch (EOFException done) {
            // the task finished or died; a dead one fails the stage, which Spark reports to the driver
        } catch (IOException | RuntimeException e) {
            if (!server.isClosed()) {
                log.warn("a ring worker's connection failed", e);
            }
        }
    }

    /**
     * What an admitted task learns first: its tracker's arguments (or why there are none), every
     * command sent so far, and a stop already asked for; from then on it hears what every worker does.
     */
    private synchronized void greet(Wire.Hello hello, DataOutputStream out) throws IOException {
        try {
            HashMap<String, Object> args = trackers.argsOf(hello.attempt());
            out.writeByte(Wire.TRACKER_ARGS);
            Wire.writeArgs(out, args);
        } catch (RingException e) {
            out.writeByte(Wire.FAILURE); // the task fails with the driver's reason
            out.writeUTF(e.getMessage());
        }
        for (byte[][] command : commands) {
            Wire.writeCommand(out, command[hello.partition()]);
        }
        if (stopRequested) {
            out.writeByte(Wire.STOP);
        }
        out.flush();
        toWorkers.add(new Link(hello, out));
    }

    /** The task's place where it proves it belongs to the run within the timeout; null (counted, logged) where not. */
    private Wire.Hello admitted(Socket socket, DataInputStream in, DataOutputStream out) throws IOException {
        try {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(timeoutSeconds));
            Wire.Hello hello = Wire.admit(in, out, secret, workers);
            socket.setSoTimeout(0); // rounds may be far apart; a dead task fails the stage instead
            return hello;
        } catch (IOException e) {
            refused.incrementAndGet();
            log.warn("the all-reduce coordinator refused a connection from {}: {}", socket.getRemoteSocketAddress(),
                    e instanceof EOFException ? "it closed before proving it belongs to the run"
                            : e instanceof SocketTimeoutException ? "it did not prove it belongs to the run in time"
                            : e.getMessage());
            return null;
        }
    }

    @Override
    public synchronized void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing the coordinator's socket", e);
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("closing a worker's connection", e);
            }
        }
        trackers.close();
    }
}
