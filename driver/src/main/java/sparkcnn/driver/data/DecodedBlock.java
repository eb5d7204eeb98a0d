package sparkcnn.driver.data;

import java.io.Serializable;
import java.util.List;
import sparkcnn.kernels.data.ExampleBlock;

/** A partition's decoded examples and the files it could not decode ("path: reason"). */
public record DecodedBlock(ExampleBlock block, List<String> rejected) implements Serializable {
}
