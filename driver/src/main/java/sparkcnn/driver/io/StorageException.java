package sparkcnn.driver.io;

import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * A file of a run that could not be written because of where it lives: a full disk, an exceeded
 * HDFS quota, a permission; named with the file, so the user knows what to free or fix. Nothing
 * written before is lost: every file is written to a temporary name and renamed.
 */
public final class StorageException extends RuntimeException {
    /** Why the storage refused. */
    public enum Kind {
        NO_SPACE("no space left"),
        QUOTA("the quota is exceeded"),
        PERMISSION("permission denied"),
        OTHER("cannot write");

        private final String words;

        Kind(String words) {
            this.words = words;
        }

        /** What the user should do about it before continuing. */
        String remedy() {
            return switch (this) {
                case NO_SPACE -> "free space";
                case QUOTA -> "raise the quota or free space";
                case PERMISSION -> "make it writable";
                case OTHER -> "fix it";
            };
        }
    }

    private final Kind kind;
    private final String file;

    private StorageException(Kind kind, String file, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.file = file;
    }

    /** The failure to write {@code file}, classified from its cause ({@code FSError} included: Hadoop's local disk). */
    public static RuntimeException of(String file, Throwable cause) {
        Kind kind = kindOf(cause);
        return kind == Kind.OTHER ? new UncheckedIOException("cannot write " + file + ": " + cause.getMessage(),
                cause instanceof java.io.IOException io ? io : new java.io.IOException(cause))
                : new StorageException(kind, file, kind.words + " writing " + file + ": " + cause.getMessage(), cause);
    }

    static Kind kindOf(Throwable e) {
        for (Throwable t : sparkcnn.driver.Causes.of(e)) {
            String what = (t.getClass().getName() + " " + t.getMessage()).toLowerCase(Locale.ROOT);
            if (what.contains("no space left") || what.contains("disk quota exceeded")) {
                return Kind.NO_SPACE;
            }
            if (what.contains("quotaexceeded") || what.contains("quota is exceeded")) {
                return Kind.QUOTA;
            }
            if (what.contains("accessdenied") || what.contains("accesscontrol") || what.contains("permission denied")
                    || what.contains("read-only file system")) {
                return Kind.PERMISSION;
            }
        }
        return Kind.OTHER;
    }

    public Kind kind() {
        return kind;
    }

    public String file() {
        return file;
    }

    /** The same failure, told as the fault of the run in {@code runDir}, with what to do and {@code next}. */
    public StorageException inRun(String runDir, String next) {
        return new StorageException(kind, file, String.format("%s writing %s (run.dir %s): %s and %s", kind.words, file,
                runDir, kind.remedy(), next), getCause());
    }
}
