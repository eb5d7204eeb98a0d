package sparkcnn.jobs.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import sparkcnn.jobs.config.ConfigValues;

/**
 * A sweep file: the base job every trial starts from, the config keys it varies (grid or random
 * search), keys all trials set alike, how many trials train at once, the metric it optimises, and
 * whether successive halving ({@code scheduler = asha}) stops losing trials early (null: it does not).
 * The keys of {@code sparkcnn/sweep-reference.conf} are the only ones it may set under {@code sweep}.
 */
public record SweepSpec(File file, File base, String dir, List<String> keys, List<Trial> trials, Config common,
                        int parallel, Objective objective, Rungs asha) {
    static final String REFERENCE = "sparkcnn/sweep-reference.conf";

    public static SweepSpec load(File file) {
        if (!file.isFile()) {
            throw new ConfigException.Generic("sweep file not found: " + file);
        }
        Config raw = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
        Config reference = reference();
        if (!raw.hasPath("sweep")) {
            throw new ConfigException.Generic(file + " has no `sweep { ... }` block");
        }
        requireKnown(raw.getObject("sweep"), reference.getObject("sweep"), "sweep", file);
        if (raw.hasPath("sweep.asha")) {
            requireKnown(raw.getObject("sweep.asha"), reference.getObject("sweep.asha"), "sweep.asha", file);
        }
        Config s = raw.withFallback(reference).resolve().getConfig("sweep");
        String baseName = s.getString("base");
        if (baseName.isEmpty()) {
            throw new ConfigException.Generic("sweep.base must name the job file the trials start from (" + file + ")");
        }
        File base = new File(baseName).isAbsolute() ? new File(baseName)
                : new File(file.getAbsoluteFile().getParentFile(), baseName);
        Map<String, ConfigValue> space = new TreeMap<>(s.getObject("keys")); // sorted: a stable trial order
        if (space.isEmpty()) {
            throw new ConfigException.Generic("sweep.keys is empty in " + file + ": name at least one key to vary");
        }
        String search = s.getString("search");
        List<Trial> trials = switch (search) {
            case "grid" -> grid(space);
            case "random" -> random(space, positive(s, "trials"), s.getLong("seed"));
            default -> throw new ConfigException.Generic("sweep.search must be grid or random, got '" + search + "'");
        };
        Config common = ConfigFactory.empty();
        for (Map.Entry<String, ConfigValue> e : s.getObject("set").entrySet()) {
            common = common.withValue(e.getKey(), e.getValue());
        }
        return new SweepSpec(file, base, s.getString("dir"), List.copyOf(space.keySet()), trials, common,
                positive(s, "parallel"), Objective.parse(s.getString("metric"), s.getString("mode")),
                asha(s, space.keySet()));
    }

    /** {@code sweep.scheduler}: none, or asha with its rungs. */
    private static Rungs asha(Config s, java.util.Set<String> varied) {
        String scheduler = s.getString("scheduler");
        switch (scheduler) {
            case "none":
                return null;
            case "asha":
                if (varied.contains("train.epochs")) {
                    throw new ConfigException.Generic("sweep.keys varies train.epochs, but with sweep.scheduler = asha "
                            + "the rungs decide each trial's epochs: set sweep.asha.max-epochs instead");
                }
                var keys = s.getConfig("asha");
                return new Rungs(ConfigValues.integer(keys, "eta", "sweep.asha"),
                        ConfigValues.integer(keys, "min-epochs", "sweep.asha"),
                        ConfigValues.integer(keys, "max-epochs", "sweep.asha"));
            default:
                throw new ConfigException.Generic("sweep.scheduler must be none (every trial trains all its epochs) "
                        + "or asha (successive halving stops losing trials early), got '" + scheduler + "'");
        }
    }

    private static void requireKnown(ConfigObject given, ConfigObject known, String path, File file) {
        for (String key : given.keySet()) {
            if (!known.containsKey(key)) {
                String hint = key.equals("rank-by") ? " (the leaderboard ranks by sweep.metric now)" : "";
                throw new ConfigException.Generic("unknown sweep key '" + path + "." + key + "' in " + file + "; known: "
                        + known.keySet() + hint);
            }
        }
    }

    public static Config reference() {
        return ConfigFactory.parseResources(SweepSpec.class.getClassLoader(), REFERENCE,
                ConfigParseOptions.defaults().setAllowMissing(false));
    }

    /** Every combination, the last key varying fastest. */
    static List<Trial> grid(Map<String, ConfigValue> space) {
        List<Map<String, ConfigValue>> points = new ArrayList<>();
        points.add(new LinkedHashMap<>());
        for (Map.Entry<String, ConfigValue> axis : space.entrySet()) {
            if (axis.getValue().valueType() != ConfigValueType.LIST) {
                throw new ConfigException.Generic("sweep.keys.\"" + axis.getKey()
                        + "\": a grid search takes a list of values, e.g. [0.001, 0.01]");
            }
            List<Map<String, ConfigValue>> next = new ArrayList<>();
            for (Map<String, ConfigValue> point : points) {
                for (ConfigValue value : (Iterable<ConfigValue>) axis.getValue().atKey("v").getList("v")) {
                    var extended = new LinkedHashMap<>(point);
                    extended.put(axis.getKey(), value);
                    next.add(extended);
                }
            }
            points = next;
        }
        return named(points);
    }

    /** {@code count} draws, reproducible from {@code seed}: from a list, or a uniform / log-uniform range. */
    static List<Trial> random(Map<String, ConfigValue> space, int count, long seed) {
        Random random = new Random(seed);
        List<Map<String, ConfigValue>> points = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, ConfigValue> point = new LinkedHashMap<>();
            space.forEach((key, domain) -> point.put(key, draw(key, domain, random)));
            points.add(point);
        }
        return named(points);
    }

    private static ConfigValue draw(String key, ConfigValue domain, Random random) {
        if (domain.valueType() == ConfigValueType.LIST) {
            List<ConfigValue> values = domain.atKey("v").getList("v");
            return values.get(random.nextInt(values.size()));
        }
        if (domain instanceof ConfigObject range && range.size() == 1) {
            String kind = range.keySet().iterator().next();
            List<Double> bounds = range.toConfig().getDoubleList("\"" + kind + "\"");
            if (bounds.size() == 2 && bounds.get(0) <= bounds.get(1)) {
                double lo = bounds.get(0);
                double hi = bounds.get(1);
                switch (kind) {
                    case "uniform":
                        return number(lo + (hi - lo) * random.nextDouble());
                    case "log-uniform":
                        if (lo > 0) {
                            return number(Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * random.nextDouble()));
                        }
                        break;
                    case "int-uniform":
                        return ConfigValueFactory.fromAnyRef((long) lo + random.nextInt((int) (hi - lo) + 1));
                    default:
                        break;
                }
            }
        }
        throw new ConfigException.Generic("sweep.keys.\"" + key + "\": expected a list of values or one of "
                + "{ uniform = [lo, hi] }, { log-uniform = [lo, hi] } (lo > 0), { int-uniform = [lo, hi] }; got "
                + domain.render());
    }

    /** Four significant digits: enough for a hyperparameter, short enough for a leaderboard. */
    private static ConfigValue number(double value) {
        return ConfigValueFactory.fromAnyRef(Double.parseDouble(String.format(Locale.ROOT, "%.4g", value)));
    }

    private static List<Trial> named(List<Map<String, ConfigValue>> points) {
        int width = String.valueOf(points.size()).length();
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            trials.add(new Trial(String.format(Locale.ROOT, "trial-%0" + width + "d", i + 1), points.get(i)));
        }
        return trials;
    }

    private static int positive(Config s, String key) {
        int n = ConfigValues.integer(s, key, "sweep");
        if (n < 1) {
            throw new ConfigException.Generic("sweep." + key + " must be >= 1, got " + n);
        }
        return n;
    }
}
