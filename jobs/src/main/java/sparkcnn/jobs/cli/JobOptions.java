package sparkcnn.jobs.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import sparkcnn.jobs.config.JobConfig;

/** --config, --set and --master: where a job's configuration comes from. */
public final class JobOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "a HOCON job file (see conf/)")
    public File config;

    @Option(names = "--set", paramLabel = "key=value", description = "override one config key; may be repeated")
    public List<String> sets = new ArrayList<>();

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else the config's spark.master)")
    public String master;

    /** The job file with --set on top, and --master. */
    public Config load() {
        return withMaster(JobConfig.load(config, sets));
    }

    /** The job file (or, without one, the config a run directory was trained with), --set and --master. */
    public Config loadOrRun(String runDir) {
        return withMaster(config != null ? JobConfig.load(config, sets) : JobConfig.loadRun(runDir, sets));
    }

    public Config withMaster(Config c) {
        return master == null ? c : c.withValue("spark.master", ConfigValueFactory.fromAnyRef(master));
    }

    /** Whether --master was given: it then wins over spark-submit's. */
    public boolean masterExplicit() {
        return master != null;
    }
}
