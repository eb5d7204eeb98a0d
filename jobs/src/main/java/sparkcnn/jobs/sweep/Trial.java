package sparkcnn.jobs.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.util.LinkedHashMap;
import java.util.Map;

/** One point of a sweep: its name (its run directory under the sweep's) and the config values it sets. */
public record Trial(String name, Map<String, ConfigValue> values) {

    /** The values as a config to lay over the base job. */
    public Config overrides(Config common) {
        Config config = common;
        for (Map.Entry<String, ConfigValue> e : values.entrySet()) {
            config = config.withValue(e.getKey(), e.getValue());
        }
        return config;
    }

    /** The values as plain text, e.g. for the leaderboard: {@code 0.001}, {@code [1, 2]}. */
    public Map<String, String> valueTexts() {
        Map<String, String> texts = new LinkedHashMap<>();
        values.forEach((key, value) -> texts.put(key, text(value)));
        return texts;
    }

    static String text(ConfigValue value) {
        Object plain = value.unwrapped();
        return plain instanceof String s ? s : value.render(ConfigRenderOptions.concise());
    }
}
