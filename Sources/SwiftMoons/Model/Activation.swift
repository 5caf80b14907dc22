#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An activation with its parameter, its derivative beside it.
///
/// Every function is written to stay finite for every finite input: tails
/// use `expm1`, `log1p` and limits instead of forms that overflow.
public struct Activation: Hashable, Sendable, CustomStringConvertible {
    public let kind: ActivationKind
    /// Leaky ReLU's negative slope, ELU's alpha, PReLU's initial slope; 0 otherwise.
    public let alpha: Double

    public static let identity = Activation(.identity)
    public static let sigmoid = Activation(.sigmoid)
    public static let tanh = Activation(.tanh)
    public static let relu = Activation(.relu)
    public static let leakyRelu = Activation(.leakyRelu)
    public static let prelu = Activation(.prelu)
    public static let elu = Activation(.elu)
    public static let gelu = Activation(.gelu)
    public static let geluTanh = Activation(.geluTanh)
    public static let swish = Activation(.swish)
    public static let softplus = Activation(.softplus)

    /// One activation of each kind, with default parameters.
    public static var allCases: [Activation] { ActivationKind.allCases.map { Activation($0) } }

    /// Names accepted by `init(name:)`: the kinds' names, then their aliases ("silu": swish).
    public static var names: [String] {
        ActivationKind.allCases.map(\.rawValue) + ActivationKind.allCases.flatMap(\.aliases)
    }

    public init(_ kind: ActivationKind, alpha: Double? = nil) {
        self.kind = kind
        self.alpha = alpha ?? kind.defaultAlpha ?? 0
    }

    /// Parses a name and an optional parameter, listing the valid names on failure.
    public init(name: String, alpha: Double? = nil) throws {
        guard let kind = ActivationKind(rawValue: name) ?? ActivationKind.allCases.first(where: { $0.aliases.contains(name) })
        else {
            let valid = Activation.names.map { "\"\($0)\"" }.joined(separator: ", ")
            throw SwiftMoonsError.badArgument("Unknown activation \"\(name)\"; valid activations are \(valid)")
        }
        if let alpha {
            guard kind.defaultAlpha != nil else {
                throw SwiftMoonsError.badArgument("Activation \"\(name)\" takes no parameter, got alpha=\(alpha)")
            }
            guard alpha.isFinite else {
                throw SwiftMoonsError.badArgument("alpha must be finite, got \(alpha)")
            }
            if let reason = kind.refusal(alpha: alpha) {
                throw SwiftMoonsError.badArgument(reason)
            }
        }
        self.init(kind, alpha: alpha)
    }

    public var name: String { kind.rawValue }
    public var description: String { kind.defaultAlpha == nil ? name : "\(name)(alpha=\(alpha))" }

    /// The initialization scale for "auto": He or Xavier by kind.
    public func initScale(fanIn: Int) -> Double {
        ((kind.prefersHeInit ? 2.0 : 1.0) / Double(fanIn)).squareRoot()
    }

    // MARK: - Evaluation

    /// The activation of `z`; `slope` is PReLU's learned slope for this unit.
    /// The same lanes as the networks' bulk path (ActivationKernels.swift).
    public func value(_ z: Double, slope: Double? = nil) -> Double {
        var zv = z, out = 0.0
        activationForward(self, &zv, &out, 1, slope: slope)
        return out
    }

    /// The derivative at `z`, given `a = value(z)` (only the sigmoid's uses `a`).
    public func derivative(_ z: Double, _ a: Double, slope: Double? = nil) -> Double {
        var zv = z, av = a, out = 0.0
        activationDerivative(self, nil, &zv, &av, &out, 1, slope: slope)
        return out
    }

    /// f(x) for every value, through the networks' bulk path.
    public func values(of x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(out.count >= x.count, "out must hold as many values as x")
        guard let xp = x.baseAddress, let op = out.baseAddress else { return }
        activationForward(self, xp, op, x.count)
    }

    /// f'(x) for every value, computed as the networks' backward pass
    /// computes it: from x and a = f(x) (a from `values`), a block at a time.
    public func derivatives(of x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(out.count >= x.count, "out must hold as many values as x")
        guard let xp = x.baseAddress, let op = out.baseAddress else { return }
        let block = 4096
        withUnsafeTemporaryAllocation(of: Double.self, capacity: block) { scratch in
            let a = scratch.baseAddress!
            var start = 0
            while start < x.count {
                let n = Swift.min(block, x.count - start)
                activationForward(self, xp + start, a, n)
                activationDerivative(self, nil, xp + start, a, op + start, n)
                start += n
            }
        }
    }
}

/// The logistic function without the article's clip, in a form that never
/// overflows: exp is only taken of non-positive numbers.
@inlinable
public func logistic(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
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
