package sparkcnn.kernels.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An ONNX graph as it is written: nodes in computing order, their weights as initializers, and
 * the names of the values between them, each used once. A thin layer over ONNX's own protobuf
 * classes ({@code onnx-ml.proto}); every value is float32.
 */
final class OnnxGraph {
    /** The batch dimension's symbolic name: any number of images. */
    static final String BATCH = "batch";

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    OnnxGraph(String name) {
        graph.setName(name);
    }

    /** One attribute of a node. */
    record Attribute(String name, Object value) {
        static Attribute ints(String name, long... values) {
            return new Attribute(name, values);
        }

        static Attribute of(String name, long value) {
            return new Attribute(name, value);
        }

        static Attribute of(String name, float value) {
            return new Attribute(name, value);
        }

        AttributeProto proto() {
            var a = AttributeProto.newBuilder().setName(name);
            if (value instanceof long[] v) {
                a.setType(AttributeProto.AttributeType.INTS);
                for (long x : v) {
                    a.addInts(x);
                }
            } else if (value instanceof Long v) {
                a.setType(AttributeProto.AttributeType.INT).setI(v);
            } else if (value instanceof Float v) {
                a.setType(AttributeProto.AttributeType.FLOAT).setF(v);
            } else {
                throw new IllegalArgumentException("attribute " + name + ": " + value);
            }
            return a.build();
        }
    }

    /** Adds node {@code op} reading {@code inputs}; its output is named after {@code name} (made unique). */
    String node(String op, String name, List<String> inputs, Attribute... attributes) {
        String output = unique(name);
        var node = NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output);
        for (Attribute a : attributes) {
            node.addAttribute(a.proto());
        }
        graph.addNode(node);
        return output;
    }

    /** A constant tensor of {@code dims} (row-major {@code values}), named after {@code name}. */
    String initializer(String name, long[] dims, float[] values) {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        if (count != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for a tensor of " + count);
        }
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN); // ONNX's raw_data order
        raw.asFloatBuffer().put(values);
        String unique = unique(name);
        var tensor = TensorProto.newBuilder().setName(unique).setDataType(TensorProto.DataType.FLOAT.getNumber())
                .setRawData(com.google.protobuf.ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            tensor.addDims(d);
        }
        graph.addInitializer(tensor);
        return unique;
    }

    /** A float input of {@code dims}, the first one symbolic (the batch). */
    void input(String name, long... dims) {
        names.add(name);
        graph.addInput(value(name, dims));
    }

    /** Makes {@code value} the graph's output under {@code name}, of {@code dims} (the first one the batch). */
    void output(String value, String name, long... dims) {
        node("Identity", name, List.of(value));
        graph.addOutput(value(name, dims));
    }

    GraphProto build() {
        return graph.build();
    }

    private static ValueInfoProto value(String name, long... dims) {
        var shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
        for (int i = 1; i < dims.length; i++) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i]));
        }
        var type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape));
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    private String unique(String name) {
        String candidate = name;
        for (int i = 2; !names.add(candidate); i++) {
            candidate = name + "_" + i;
        }
        return candidate;
    }
}
