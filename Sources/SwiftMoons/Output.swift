#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The output layer and its loss.
public enum OutputKind: String, CaseIterable, Sendable {
    /// Sigmoid outputs with binary cross-entropy (the article's), labels 0/1.
    case sigmoid
    /// Softmax over the outputs with cross-entropy; labels are class indices.
    case softmax
    /// Linear outputs with mean squared error; targets are any numbers.
    case identity

    /// Parses a name, listing the valid ones on failure.
    public init(name: String) throws {
        guard let k = OutputKind(rawValue: name) else {
            let valid = OutputKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw SwiftMoonsError.badArgument("Unknown output \"\(name)\"; valid outputs are \(valid)")
        }
        self = k
    }

    /// Targets per sample: one class index for softmax, else one per output.
    func targetWidth(outputs: Int) -> Int { self == .softmax ? 1 : outputs }
}

/// How the weights are drawn.
public enum Initializer: String, CaseIterable, Sendable {
    /// randn * sqrt(2 / fan_in).
    case he
    /// randn * sqrt(1 / fan_in) (the article's choice for sigmoid).
    case xavier
    /// uniform(-l, l) with l = sqrt(6 / (fan_in + fan_out)).
    case glorotUniform = "glorot_uniform"
    /// The article's rule: He for ReLU-like activations, Xavier for sigmoid,
    /// tanh and identity, by the activation of the hidden layer the weights
    /// feed (the last hidden layer's for the output weights).
    case auto

    public init(name: String) throws {
        guard let i = Initializer(rawValue: name) else {
            let valid = Initializer.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw SwiftMoonsError.badArgument("Unknown init \"\(name)\"; valid inits are \(valid)")
        }
        self = i
    }
}

/// How the biases start: a constant, or drawn from N(mean, std^2) after all
/// the weights, layer by layer.
public enum BiasInit: Equatable, Sendable {
    case constant(Double)
    case normal(mean: Double, std: Double)
}
