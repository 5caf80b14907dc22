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
    public init(name: String) throws { self = try .named(name, what: "output") }

    /// Targets per sample: one class index for softmax, else one per output.
    func targetWidth(outputs: Int) -> Int { self == .softmax ? 1 : outputs }
}

/// How the weights are drawn.
public enum Initializer: String, CaseIterable, Sendable {
    /// The article's rule: He for ReLU-like activations, Xavier for sigmoid,
    /// tanh and identity, by the activation of the hidden layer the weights
    /// feed (the last hidden layer's for the output weights).
    case auto
    /// randn * sqrt(2 / fan_in).
    case he
    /// randn * sqrt(1 / fan_in) (the article's choice for sigmoid).
    case xavier
    /// uniform(-l, l) with l = sqrt(6 / (fan_in + fan_out)).
    case glorotUniform = "glorot_uniform"

    /// Parses a name, listing the valid ones on failure.
    public init(name: String) throws { self = try .named(name, what: "init") }
}

/// How the biases start: a constant, or drawn from N(mean, std^2) after all
/// the weights, layer by layer.
public enum BiasInit: Equatable, Sendable {
    case constant(Double)
    case normal(mean: Double, std: Double)
}

extension CaseIterable where Self: RawRepresentable, Self.RawValue == String {
    /// The case called `name`, or an error that lists every valid name.
    static func named(_ name: String, what: String) throws -> Self {
        guard let value = Self(rawValue: name) else {
            let valid = allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw SwiftMoonsError.badArgument("Unknown \(what) \"\(name)\"; valid \(what)s are \(valid)")
        }
        return value
    }
}
