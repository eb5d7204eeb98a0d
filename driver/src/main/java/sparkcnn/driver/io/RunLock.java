package sparkcnn.driver.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Keeps a second writer out of a run directory while a run (train, resume, a sweep trial) owns it.
 * On a local disk it is an operating-system lock on {@code run.lock}, which dies with its process,
 * so a run killed with -9 leaves nothing to clean up. On HDFS and other shared file systems it is
 * the exclusive creation of {@code run.lock} (atomic on the NameNode), removed when the run ends;
 * after a crash there, the error names the file to delete.
 */
public final class RunLock implements AutoCloseable {
    

    private final RunStore store;
    private final String file;
    private final FileChannel channel;
    private final FileLock osLock;
    private final OutputStream shared;

    private RunLock(RunStore store, String file, FileChannel channel, FileLock osLock, OutputStream shared) {
        this.file = file;
        this.store = store;
        this.channel = channel;
        this.osLock = osLock;
        this.shared = shared;
    }

    /** Takes the lock of {@code store}'s run directory, or fails naming who holds it. */
    public static RunLock acquire(RunStore store, String file) {
        String owner = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
        Path path = store.path(file);
        try {
            if (store.fileSystem() instanceof LocalFileSystem local) {
                FileChannel channel = FileChannel.open(local.pathToFile(path).toPath(), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    channel.close();
                    throw new RunDirectoryException("another run is writing to " + store.root() + " (it holds "
                            + path + "); wait for it to end or use another run.dir");
                }
                channel.truncate(0).write(java.nio.ByteBuffer.wrap((owner + "\n").getBytes(StandardCharsets.UTF_8)));
                return new RunLock(store, file, channel, lock, null);
            }
            if (store.fileSystem().exists(path)) {
                throw new RunDirectoryException("another run is writing to " + store.root() + " (" + path + " exists: "
                        + new String(store.read(file), StandardCharsets.UTF_8).trim() + "); if that run is no "
                        + "longer alive, delete " + path);
            }
            var out = store.fileSystem().create(path, false);
            out.write((owner + "\n").getBytes(StandardCharsets.UTF_8));
            out.hflush(); // the owner readable by the next run, its block taken while there is space for it
            return new RunLock(store, file, null, null, out);
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            throw new RunDirectoryException("another run is writing to " + store.root() + " (" + path + " exists)");
        } catch (java.nio.channels.OverlappingFileLockException e) {
            throw new RunDirectoryException("another run in this JVM is writing to " + store.root());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            if (osLock != null) {
                osLock.release();
                channel.close();
            } else {
                try {
                    shared.close();
                } finally {
                    store.delete(this.file); // a full quota may fail the close: the lock goes all the same
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release " + store.uri(this.file) + ": " + e.getMessage(), e);
        }
    }
}
