package sparkcnn.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** The config keys of some sections, with their defaults and the reference file's comments, for --help. */
public final class ConfigHelp {
    private ConfigHelp() {
    }

    public static String keys(Config reference, List<String> sections) {
        StringBuilder out = new StringBuilder();
        reference.entrySet().stream()
                .filter(e -> sections.stream().anyMatch(s -> e.getKey().equals(s) || e.getKey().startsWith(s + ".")))
                .sorted(Comparator.comparingInt(e -> e.getValue().origin().lineNumber()))
                .forEach(e -> describe(e, out));
        return out.toString();
    }

    private static void describe(Map.Entry<String, ConfigValue> entry, StringBuilder out) {
        for (String comment : entry.getValue().origin().comments()) {
            String text = comment.startsWith(" ") ? comment.substring(1) : comment;
            out.append("      # ").append(text.stripTrailing()).append('\n');
        }
        out.append("  ").append(entry.getKey()).append(" = ")
                .append(entry.getValue().render(ConfigRenderOptions.concise())).append('\n');
    }
}
