package sparkcnn.driver.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * A run directory on any Hadoop FileSystem (a local path, file://, hdfs://). Every file is written
 * under a temporary name and renamed into place, so a reader never sees half a file and a crash
 * during a write leaves the previous version intact.
 */
public final class RunStore {
    private final FileSystem fs;
    private final Path root;

    public RunStore(String dir, Configuration conf) {
        this(dir, conf, true);
    }

    private RunStore(String dir, Configuration conf, boolean create) {
        try {
            Path path = new Path(dir);
            this.fs = path.getFileSystem(conf);
            this.root = fs.makeQualified(path);
            fs.setWriteChecksum(false); // no .crc files beside each output on local disk
            if (create) {
                fs.mkdirs(root);
            } else if (!fs.getFileStatus(root).isDirectory()) {
                throw new java.io.FileNotFoundException(root + " is not a directory");
            }
        } catch (IOException e) {
            throw new UncheckedIOException((create ? "cannot create run directory " : "no run directory ") + dir
                    + ": " + e.getMessage(), e);
        }
    }

    /** A directory that must exist already (reading a run), created by nobody. */
    public static RunStore existing(String dir, Configuration conf) {
        return new RunStore(dir, conf, false);
    }

    /** The writer of a file's content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code name} atomically: to a hidden temporary file first, then a rename over the old one. */
    public void write(String name, Content content) {
        Path target = new Path(root, name);
        Path temporary = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try {
            fs.mkdirs(target.getParent());
            try (OutputStream out = fs.create(temporary, true)) {
                content.writeTo(out);
            }
            replace(temporary, target);
        } catch (IOException | org.apache.hadoop.fs.FSError e) {
            RuntimeException failure = StorageException.of(target.toString(), e);
            deleteQuietly(temporary, failure); // its space back, and on HDFS its lease
            throw failure;
        }
    }

    /** Deletes {@code file}; a failure to is told with {@code failure}, which is what the caller throws. */
    private void deleteQuietly(Path file, RuntimeException failure) {
        try {
            fs.delete(file, false);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Renames {@code from} over {@code to} in one step. On HDFS the NameNode does that; on a local disk
     * Hadoop's overwriting rename deletes the target first, so a crash between the two would leave
     * no file at all: there the operating system's atomic rename(2) is used instead.
     */
    private void replace(Path from, Path to) throws IOException {
        if (fs instanceof LocalFileSystem local) {
            Files.move(local.pathToFile(from).toPath(), local.pathToFile(to).toPath(),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            FileContext.getFileContext(root.toUri(), fs.getConf()).rename(from, to, Options.Rename.OVERWRITE);
        }
    }

    /** The file system the run lives on (for {@link RunLock}). */
    FileSystem fileSystem() {
        return fs;
    }

    /** The qualified path of {@code name}. */
    public Path path(String name) {
        return new Path(root, name);
    }

    /** Deletes {@code name}, a file or a whole directory. */
    public void deleteRecursively(String name) {
        try {
            fs.delete(new Path(root, name), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + uri(name) + ": " + e.getMessage(), e);
        }
    }

    /** Names of the entries directly in the run directory (none when it is empty). */
    public java.util.List<String> entries() {
        try {
            return java.util.Arrays.stream(fs.listStatus(root)).map(s -> s.getPath().getName()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    public void writeText(String name, String text) {
        write(name, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Appends {@code text} to {@code name} (a log that only grows). A crash may leave a torn last
     * line, which its reader skips; where the file system cannot append, the file is rewritten
     * whole from {@code whole}.
     */
    public void append(String name, String text, java.util.function.Supplier<String> whole) {
        Path target = new Path(root, name);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try {
            if (fs instanceof LocalFileSystem local) {
                Files.write(local.pathToFile(target).toPath(), bytes, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                return;
            }
            if (!fs.exists(target)) {
                writeText(name, whole.get());
                return;
            }
            try (OutputStream out = fs.append(target)) {
                out.write(bytes);
            }
        } catch (UnsupportedOperationException | IOException | org.apache.hadoop.fs.FSError e) {
            writeText(name, whole.get()); // a full disk or quota fails here too, naming the file
        }
    }

    /** The whole content of {@code name}. */
    public byte[] read(String name) {
        try (var in = fs.open(new Path(root, name))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + uri(name) + ": " + e.getMessage(), e);
        }
    }

    /** Names of the files in {@code dir} ending with {@code suffix} (no temporaries). */
    public java.util.List<String> list(String dir, String suffix) {
        try {
            Path path = new Path(root, dir);
            if (!fs.exists(path)) {
                return java.util.List.of();
            }
            return java.util.Arrays.stream(fs.listStatus(path))
                    .map(s -> s.getPath().getName())
                    .filter(n -> n.endsWith(suffix) && !n.startsWith("."))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void delete(String name) {
        try {
            fs.delete(new Path(root, name), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean exists(String name) {
        try {
            return fs.exists(new Path(root, name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fully qualified location of {@code name} in this run. */
    public String uri(String name) {
        return new Path(root, name).toString();
    }

    /** The run's name: the last component of its directory. */
    public String name() {
        return new Path(root()).getName();
    }

    public String root() {
        return root.toString();
    }
}
