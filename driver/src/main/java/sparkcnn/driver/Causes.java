package sparkcnn.driver;

import java.util.ArrayList;
import java.util.List;

/** A failure and its causes, outermost first: where the driver looks for what really went wrong. */
public final class Causes {
    private Causes() {
    }

    public static List<Throwable> of(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
