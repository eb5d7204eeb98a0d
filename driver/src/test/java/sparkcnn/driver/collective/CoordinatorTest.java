package sparkcnn.driver.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Only the run's own tasks can talk to the driver's coordinator: a client that sends garbage, a Java
 * serialised object, or the right format without the run's secret is dropped and counted, and the
 * run's workers go on as if it had never come; the coordinator listens on the driver's address only.
 */
class CoordinatorTest {

    @Test
    void foreignClientsAreDroppedAndTheRunGoesOn() throws Exception {
        try (var coordinator = Coordinator.start("127.0.0.1", 2, 20, 0)) {
            var contact = coordinator.contact();
            List<Socket> foreign = new ArrayList<>();
            foreign.add(send(contact, new byte[] {0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54, 0x54, 0x50}));
            var serialised = new java.io.ByteArrayOutputStream();
            try (var out = new ObjectOutputStream(serialised)) {
                out.writeObject(new java.util.HashMap<>(java.util.Map.of("gadget", new java.util.PriorityQueue<>())));
            }
            foreign.add(send(contact, serialised.toByteArray()));
            foreign.add(withoutTheSecret(contact));

            for (Socket socket : foreign) {
                assertClosedByTheDriver(socket);
            }
            assertEquals(3, coordinator.refused());

            // the run's own workers are served as ever
            CompletableFuture<Void> job = new CompletableFuture<>();
            try (var a = DriverLink.connect(contact, 0, 0, 20); var b = DriverLink.connect(contact, 0, 1, 20)) {
                assertEquals(a.trackerArgs(), b.trackerArgs());
                a.report(0, RingTest.bytes("a0"));
                b.report(0, RingTest.bytes("b0"));
                assertEquals(List.of("a0", "b0"),
                        RingTest.texts(coordinator.nextStep(job, TimeUnit.SECONDS.toNanos(30)).orElseThrow()));
            }
        }
    }

    @Test
    void aTaskWithAnotherRunsSecretIsRefusedWithTheReason() {
        try (var coordinator = Coordinator.start("127.0.0.1", 2, 20, 0)) {
            var other = new Coordinator.Contact(coordinator.contact().address(), Wire.newSecret());
            var e = assertThrows(RingException.class, () -> DriverLink.connect(other, 0, 0, 5));
            assertTrue(e.getMessage().contains("could not reach the driver's all-reduce coordinator"), e.getMessage());
            assertEquals(1, coordinator.refused());
        }
    }

    @Test
    void itListensOnTheDriversAddressOnly() {
        try (var coordinator = Coordinator.start("127.0.0.1", 2, 20, 0)) {
            int port = Integer.parseInt(coordinator.contact().address().split(":")[1]);
            assertThrows(ConnectException.class, () -> {
                try (var socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.2", port), 5000); // loopback, another address
                }
            });
        }
    }

    /** A client that connects and sends {@code bytes}. */
    private static Socket send(Coordinator.Contact contact, byte[] bytes) throws IOException {
        Socket socket = connect(contact);
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return socket;
    }

    /** A client that speaks the format but proves membership with a secret of its own. */
    private static Socket withoutTheSecret(Coordinator.Contact contact) throws IOException {
        Socket socket = connect(contact);
        var in = new DataInputStream(socket.getInputStream());
        Wire.expectHeader(in);
        byte[] nonce = new byte[Wire.NONCE_BYTES];
        in.readFully(nonce);
        var out = new DataOutputStream(socket.getOutputStream());
        Wire.writeHeader(out);
        out.writeInt(0);
        out.writeInt(0);
        out.write(Wire.proof(Wire.newSecret(), nonce, 0, 0));
        out.flush();
        return socket;
    }

    private static Socket connect(Coordinator.Contact contact) throws IOException {
        String[] hostPort = contact.address().split(":");
        Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
        socket.setSoTimeout(20_000);
        return socket;
    }

    /** The driver sends its greeting, then closes: the client reads to the end and is told nothing more. */
    private static void assertClosedByTheDriver(Socket socket) throws IOException {
        try (socket) {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[256];
            int total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
            }
            assertTrue(total <= 8 + Wire.NONCE_BYTES, "the driver sent " + total + " bytes: more than its greeting");
        }
    }
}
