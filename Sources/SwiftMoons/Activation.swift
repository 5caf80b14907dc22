#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hidden-layer activation, with its derivative beside it.
public enum Activation: String, CaseIterable, Sendable {
    case sigmoid
    case relu

    /// Parses a name ("sigmoid", "relu"), listing the valid ones on failure.
    public init(name: String) throws {
        guard let a = Activation(rawValue: name) else {
            let valid = Activation.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw SwiftMoonsError.badArgument("Unknown activation \"\(name)\"; valid activations are \(valid)")
        }
        self = a
    }

    /// The scale of the Gaussian initialization for a layer with `fanIn`
    /// inputs: He, sqrt(2/fan_in), for ReLU; Xavier, sqrt(1/fan_in), for
    /// sigmoid (the article's choice).
    public func initScale(fanIn: Int) -> Double {
        switch self {
        case .relu: return (2.0 / Double(fanIn)).squareRoot()
        case .sigmoid: return (1.0 / Double(fanIn)).squareRoot()
        }
    }

    /// The activation of one pre-activation value.
    @inlinable
    public func apply(_ z: Double) -> Double {
        switch self {
        case .sigmoid: return SwiftMoons.sigmoid(z)
        case .relu: return SwiftMoons.relu(z)
        }
    }

    /// The derivative, from the pre-activation `z` and the activation `a`:
    /// ReLU's is a step in z, sigmoid's is cheaper as a(1 - a).
    @inlinable
    public func derivative(z: Double, a: Double) -> Double {
        switch self {
        case .sigmoid: return a * (1 - a)
        case .relu: return z > 0 ? 1 : 0
        }
    }
}

/// The logistic function with the article's clip of z to [-500, 500], so
/// that exp never overflows; NaN passes through.
@inlinable
public func sigmoid(_ z: Double) -> Double {
    let c = z < -500 ? -500 : (z > 500 ? 500 : z)
    return 1 / (1 + exp(-c))
}

/// max(0, z), propagating NaN as `np.maximum` does.
@inlinable
public func relu(_ z: Double) -> Double {
    z > 0 ? z : (z.isNaN ? z : 0)
}
