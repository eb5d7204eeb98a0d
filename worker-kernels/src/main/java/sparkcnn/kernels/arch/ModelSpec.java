package sparkcnn.kernels.arch;

import java.io.Serializable;

/** A network family's parameters, from which its layer graph follows. */
public interface ModelSpec extends Serializable {

    Architecture architecture();

    default Volume input() {
        return architecture().input();
    }

    default int classes() {
        return ((SoftmaxOutputSpec) architecture().output().layer()).classes();
    }
}
