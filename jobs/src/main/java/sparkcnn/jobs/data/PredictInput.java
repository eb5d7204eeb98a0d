package sparkcnn.jobs.data;

/** What predict scores: {@code path}, and for an idx image file the labels file that goes with it (or null). */
public record PredictInput(String path, String labels) {
}
