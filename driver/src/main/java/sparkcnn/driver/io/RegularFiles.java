package sparkcnn.driver.io;

import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Whether a path is an ordinary file with content. Hadoop's local file system reports a named
 * pipe, a device or a link to one as a "file" of length 0, and reading one blocks forever
 * (a pipe) or never ends ({@code /dev/zero}); the operating system's own answer is asked instead.
 */
public final class RegularFiles {
    private RegularFiles() {
    }

    /** Null for a regular file, else why it is not one ("a directory", "not a regular file", ...). */
    public static String problem(FileSystem fs, Path path) throws IOException {
        if (fs instanceof LocalFileSystem local) {
            java.nio.file.Path file = local.pathToFile(path).toPath();
            if (Files.isDirectory(file)) {
                return "a directory";
            }
            if (!Files.exists(file)) {
                return Files.isSymbolicLink(file) ? "a link to a missing file" : "missing";
            }
            if (!Files.isRegularFile(file)) {
                return "not a regular file (a named pipe, device or socket)";
            }
            if (!Files.isReadable(file)) {
                return "not readable";
            }
            return null;
        }
        FileStatus status = fs.getFileStatus(path);
        return status.isDirectory() ? "a directory" : status.isFile() ? null : "not a regular file";
    }

    /** The length of a regular file, or a {@code sparkcnn.driver.data.DataException}-worthy reason. */
    public static long length(FileSystem fs, Path path) throws IOException {
        return fs.getFileStatus(path).getLen();
    }
}
