package sparkcnn.driver.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.run.RunLayout;

/** The files that did not decode, named in the log and in bad-images.txt of the run as they are found. */
final class BadImages {
    private static final Logger log = LoggerFactory.getLogger(BadImages.class);
    private final RunLayout run;
    private final Map<String, Set<String>> bySet = new LinkedHashMap<>();

    BadImages(RunLayout run) {
        this.run = run;
    }

    void add(String set, List<String> rejected) {
        var names = bySet.computeIfAbsent(set, k -> new LinkedHashSet<>());
        int before = names.size();
        names.addAll(rejected); // a retried task or another epoch names a file again
        if (names.size() > before) {
            List<String> lines = new ArrayList<>();
            bySet.forEach((s, all) -> all.forEach(r -> lines.add(s + ": " + r)));
            log.warn("skipping {} images that do not decode (listed in {}), e.g. {}", lines.size(),
                    run.uri(RunLayout.BAD_IMAGES), lines.get(0));
            run.writeBadImages(lines);
        }
    }

    int count(String set) {
        return bySet.getOrDefault(set, Set.of()).size();
    }
}
