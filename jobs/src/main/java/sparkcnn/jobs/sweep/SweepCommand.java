package sparkcnn.jobs.sweep;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import sparkcnn.jobs.cli.JobOptions;
import sparkcnn.jobs.cli.Options;

/** {@code sparkcnn sweep --config SWEEP_FILE}. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Train the trials of a grid or random search over config keys, and rank them.",
                "Each trial of the sweep file (conf/sweep-*.conf) trains into SWEEP_DIR/trial-N; the ranking goes to",
                "SWEEP_DIR/leaderboard.csv, .html and .png. With sweep.scheduler = asha, successive halving stops",
                "losing trials at rungs and continues the best from their checkpoints. Started again, it skips",
                "finished trials, resumes interrupted ones and keeps the decisions taken (asha.json); a trial",
                "whose job changed (sweep values, base job, --set) is an error.",
                "--set overrides a key of the base job for every trial."})
public final class SweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    JobOptions job = new JobOptions();

    private final PrintStream out;

    public SweepCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        Options.refuse(spec, job.config == null, "sweep needs --config SWEEP_FILE");
        new SweepJob(SweepSpec.load(job.config), job.sets, job.master, out).run();
        return 0;
    }
}
