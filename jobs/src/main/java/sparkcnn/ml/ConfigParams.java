package sparkcnn.ml;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import scala.Function1;
import org.apache.spark.ml.param.Params;
import sparkcnn.jobs.config.JobConfig;

/**
 * The params that stand for a key of {@code sparkcnn train}'s config, each key named once: a param's
 * doc names its key, its default is the key's in reference.conf, and a param the user set is a
 * {@code --set} on top of the job's config (one left at its default lets the config decide).
 */
final class ConfigParams {
    private static final Config REFERENCE = JobConfig.reference();
    private final Params owner;
    private final SharedParams.Defaults defaults;
    private final Map<Param<?>, String> keys = new LinkedHashMap<>();

    ConfigParams(Params owner, SharedParams.Defaults defaults) {
        this.owner = owner;
        this.defaults = defaults;
    }

    Param<String> text(String name, String key, String doc) {
        return bound(new Param<>(owner, name, described(key, doc)), key, REFERENCE.getString(key));
    }

    IntParam integer(String name, String key, Function1<Object, Object> valid) {
        return bound(new IntParam(owner, name, described(key, ""), valid), key, REFERENCE.getInt(key));
    }

    LongParam whole(String name, String key) {
        return bound(new LongParam(owner, name, described(key, "")), key, REFERENCE.getLong(key));
    }

    DoubleParam real(String name, String key, Function1<Object, Object> valid) {
        return bound(new DoubleParam(owner, name, described(key, ""), valid), key, REFERENCE.getDouble(key));
    }

    /** The {@code key=value} overrides of the params the user set, in the order they were made. */
    List<String> overrides() {
        List<String> sets = new ArrayList<>();
        keys.forEach((param, key) -> {
            if (owner.isSet(param)) {
                sets.add(key + "=" + owner.getOrDefault(param));
            }
        });
        return sets;
    }

    private <T, P extends Param<T>> P bound(P param, String key, Object referenceDefault) {
        @SuppressWarnings("unchecked")
        T value = (T) referenceDefault;
        defaults.set(param, value);
        keys.put(param, key);
        return param;
    }

    private static String described(String key, String doc) {
        return key + (doc.isEmpty() ? "" : ": " + doc) + " (default: reference.conf's)";
    }
}
