package sparkcnn.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code sparkcnn bench profile}. */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "time per ND4J op and own kernel of training steps (default densenet-bc-40), PyTorch's beside")
final class ProfileCommand implements Callable<Integer> {
    @Mixin
    BenchOptions.Models models = new BenchOptions.Models();
    @Mixin
    BenchOptions options = new BenchOptions();

    private final PrintStream out;

    ProfileCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        for (Model model : Model.named(models.models.isEmpty() ? List.of("densenet-bc-40")
                : models.models)) {
            OpProfile.run(model, models.warmup, models.iterations, models.threads, options.results(), out);
        }
        return 0;
    }
}
