// How a network's parameters start: the weight initializers (their names
// listed through the C API) and the biases' rule.

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

extension Initializer {
    /// Draws a network's parameters from `rng` as the article's constructor
    /// does: W1, W2, ... in order (`randn` scaled per the initializer, or
    /// uniform for Glorot), then the biases (drawn, after all weights, if
    /// normal), then PReLU's initial slopes; `rng` is left where the draws
    /// end. `weights`, `biases` and `slopes` are the offsets of each layer's
    /// blocks in `params` (-1: no slopes).
    func draw(into params: inout [Double], sizes: [Int], activations acts: [Activation], weights w: [Int],
              biases b: [Int], slopes s: [Int], biasInit: BiasInit, rng: inout RandomState) {
        let L = sizes.count - 1
        for l in 0..<L {
            let fanIn = sizes[l], fanOut = sizes[l + 1], n = fanIn * fanOut
            let feeds = acts.isEmpty ? Activation.sigmoid : acts[min(l, acts.count - 1)]
            switch self {
            case .glorotUniform:
                let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
                let low = -limit, range = limit - low
                for i in 0..<n { params[w[l] + i] = low + range * rng.randomSample() }
            case .he, .xavier, .auto:
                let scale: Double
                switch self {
                case .he: scale = (2.0 / Double(fanIn)).squareRoot()
                case .xavier: scale = (1.0 / Double(fanIn)).squareRoot()
                default: scale = feeds.initScale(fanIn: fanIn)
                }
                for i in 0..<n { params[w[l] + i] = rng.gaussian() * scale }
            }
        }
        for l in 0..<L {
            for j in 0..<sizes[l + 1] {
                switch biasInit {
                case .constant(let c): params[b[l] + j] = c
                case .normal(let mean, let std): params[b[l] + j] = rng.normal(loc: mean, scale: std)
                }
            }
        }
        for (k, act) in acts.enumerated() where s[k] >= 0 {
            for j in 0..<sizes[k + 1] { params[s[k] + j] = act.alpha }
        }
    }
}
