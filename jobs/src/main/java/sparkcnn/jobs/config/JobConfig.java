package sparkcnn.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.List;
import java.util.Map;
import sparkcnn.driver.run.RunLayout;

/**
 * Loads a job's configuration: the reference defaults, then the job file, then {@code --set}
 * overrides, and rejects any key the reference does not know, naming the nearest one it does.
 */
public final class JobConfig {
    static final String REFERENCE = "sparkcnn/reference.conf";

    private JobConfig() {
    }

    /**
     * @param file      a HOCON job file, or null for the reference defaults alone
     * @param overrides {@code key=value} pairs, applied in order
     */
    public static Config load(File file, List<String> overrides) {
        Config reference = reference();
        Config job = ConfigFactory.empty();
        if (file != null) {
            if (!file.isFile()) {
                throw new ConfigException.Generic("config file not found: " + file + (inTheCluster()
                        ? " (this driver runs in the cluster, spark-submit --deploy-mode cluster, where only the files "
                        + "shipped with --files are, in its working directory: --files /path/to/" + file.getName()
                        + " ... --config " + file.getName() + ")" : ""));
            }
            job = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
            rejectUnknownKeys(job, reference, file.getPath());
        }
        return withOverrides(job, reference, overrides);
    }

    private static boolean inTheCluster() {
        return "cluster".equals(System.getProperty("spark.submit.deployMode"));
    }

    /** As {@link #load}, from a job's HOCON text (the Spark ML API's {@code config} param). */
    public static Config fromText(String text, List<String> overrides) {
        Config reference = reference();
        Config job = ConfigFactory.parseString(text);
        rejectUnknownKeys(job, reference, "config");
        return withOverrides(job, reference, overrides);
    }

    private static Config withOverrides(Config job, Config reference, List<String> overrides) {
        for (String override : overrides) {
            Config one = parseOverride(override);
            rejectUnknownKeys(one, reference, "--set " + override);
            job = one.withFallback(job);
        }
        return job.withFallback(reference).resolve();
    }

    /**
     * The config a run was started with ({@code config.conf} in its run directory, local or on any
     * Hadoop FileSystem), with {@code overrides} on top.
     */
    public static Config loadRun(String runDir, List<String> overrides) {
        String text;
        try {
            var run = RunLayout.existing(runDir, new org.apache.hadoop.conf.Configuration());
            text = run.config().orElseThrow(() -> new ConfigException.Generic("no " + run.uri(RunLayout.CONFIG)));
        } catch (java.io.UncheckedIOException e) {
            throw new ConfigException.Generic("no readable run configuration in " + runDir + " (" + e.getMessage() + ")");
        }
        Config run = ConfigFactory.parseString(text);
        for (String override : overrides) {
            Config one = parseOverride(override);
            rejectUnknownKeys(one, reference(), "--set " + override);
            run = one.withFallback(run);
        }
        // the run directory is where it is now, whatever the config said when it started
        run = run.withValue("run.dir", ConfigValueFactory.fromAnyRef(runDir));
        return run.withFallback(reference()).resolve();
    }

    /** A run's config.conf as it was written, resolved against the defaults. */
    public static Config parseRun(String text) {
        return ConfigFactory.parseString(text).withFallback(reference()).resolve();
    }

    /** {@code base} with {@code overrides} on top; each override key must be a known one. */
    public static Config override(Config base, Config overrides, String source) {
        rejectUnknownKeys(overrides, reference(), source);
        return overrides.withFallback(base).resolve();
    }

    public static Config reference() {
        return ConfigFactory.parseResources(JobConfig.class.getClassLoader(), REFERENCE,
                ConfigParseOptions.defaults().setAllowMissing(false));
    }

    /** The configuration as HOCON, for the run directory. */
    public static String render(Config config) {
        return config.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    }

    /** {@code key=value}: the value as HOCON where it parses cleanly, else as a plain string (paths, URIs). */
    static Config parseOverride(String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException.Generic("--set expects key=value, got '" + override + "'");
        }
        String key = override.substring(0, eq).trim();
        String value = override.substring(eq + 1).trim();
        // '//' (a URI) and '#' start HOCON comments: such values are plain strings, as typed
        if (!value.contains("//") && !value.contains("#")) {
            try {
                return ConfigFactory.parseString(key + " = " + value);
            } catch (ConfigException notHocon) {
                // falls through: e.g. local[2] or hdfs://..., which HOCON reads otherwise
            }
        }
        return ConfigFactory.empty().withValue(key, ConfigValueFactory.fromAnyRef(value));
    }

    static void rejectUnknownKeys(Config job, Config reference, String source) {
        for (Map.Entry<String, ?> entry : job.entrySet()) {
            String key = entry.getKey();
            if (!reference.hasPathOrNull(key)) {
                throw new ConfigException.Generic(String.format("unknown config key '%s' in %s; did you mean '%s'?",
                        key, source, nearest(key, reference)));
            }
        }
    }

    static String nearest(String key, Config reference) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Map.Entry<String, ?> entry : reference.entrySet()) {
            int d = editDistance(key, entry.getKey());
            if (d < bestDistance) {
                bestDistance = d;
                best = entry.getKey();
            }
        }
        return best;
    }

    /** Levenshtein distance. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
