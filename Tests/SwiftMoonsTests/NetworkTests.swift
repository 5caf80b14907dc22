#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SwiftMoons

/// Gradients against central finite differences, and a golden training run
/// against the NumPy reference.
@Suite struct NetworkTests {
    // Central differences with h = 1e-6 are accurate to about h^2 times the third derivative
    // plus rounding of 1e-16 / h (1e-10 absolute); measured against the largest
    // gradient component, 1e-6 leaves room for both.
    static let gradientTolerance = 1e-6

    static let outputs: [OutputKind] = OutputKind.allCases
    static let hybrids: [[Activation]] = [[.prelu, .gelu, .tanh], [Activation(.leakyRelu, alpha: 0.1), .elu, .swish]]

    /// Analytic gradients (from `gradients`) against central differences of
    /// the loss that `evaluate` computes from the forward pass alone.
    func checkGradients(_ activations: [Activation], _ output: OutputKind) throws {
        var rs = try RandomState(seed: 5)
        let k = output == .sigmoid ? 1 : 3
        let sizes = [2, 5] + Array(repeating: 4, count: activations.count - 1) + [k], rows = 6
        let x = (0..<(rows * 2)).map { _ in rs.gaussian() }
        let y: [Double]
        switch output {
        case .sigmoid: y = [1, 0, 1, 1, 0, 0]
        case .softmax: y = [2, 0, 1, 1, 0, 2]
        case .identity: y = (0..<(rows * k)).map { _ in rs.gaussian() }
        }
        let net = try Network(layerSizes: sizes, activations: activations, output: output, rng: &rs)
        let p0 = net.parameters
        let analytic = try net.gradients(x, y, rows: rows).gradients
        let h = 1e-6
        var numeric = [Double](repeating: 0, count: p0.count)
        for i in 0..<p0.count {
            var p = p0
            p[i] = p0[i] + h
            try net.setParameters(p)
            let up = try net.evaluate(x, y, rows: rows).loss
            p[i] = p0[i] - h
            try net.setParameters(p)
            let down = try net.evaluate(x, y, rows: rows).loss
            numeric[i] = (up - down) / (2 * h)
        }
        let scale = numeric.map(abs).max() ?? 1
        let err = (zip(analytic, numeric).map { abs($0 - $1) }.max() ?? 0) / scale
        #expect(err < Self.gradientTolerance, "\(activations) -> \(output): max relative gradient error \(err)")
    }

    @Test(arguments: Activation.allCases, outputs)
    func gradientsMatchFiniteDifferences(_ activation: Activation, _ output: OutputKind) throws {
        try checkGradients([activation, activation], output)
    }

    @Test(arguments: hybrids)
    func hybridGradientsMatchFiniteDifferences(_ activations: [Activation]) throws {
        try checkGradients(activations, .sigmoid)
    }

    @Test func trainStepMovesByMinusLearningRateTimesGradient() throws {
        var rs = try RandomState(seed: 2)
        let net = try Network(layerSizes: [2, 3, 2], activations: [.prelu], output: .softmax, rng: &rs)
        let x = [0.5, -0.2, 1.0, 0.3], y = [1.0, 0.0]
        let p0 = net.parameters, g = try net.gradients(x, y, rows: 2).gradients
        try net.trainStep(x, y, rows: 2, learningRate: 0.1)
        #expect(net.parameters == zip(p0, g).map { $0 - 0.1 * $1 })
    }

    @Test(arguments: [Activation.sigmoid, .relu])
    func goldenRunMatchesReference(_ activation: Activation) throws {
        let (initial, final, losses): ([Double], [Double], [Double]) = activation == .sigmoid
            ? (Fixtures.sigmoidInitial, Fixtures.sigmoidFinal, Fixtures.sigmoidLosses)
            : (Fixtures.reluInitial, Fixtures.reluFinal, Fixtures.reluLosses)
        var rs = try RandomState(seed: 7)
        let net = try Network(layerSizes: [2, 4, 3, 1], activations: [activation], rng: &rs)
        #expect(net.parameters == initial, "initial weights are bit-identical to NumPy's")

        let x = Fixtures.goldenX, y = Fixtures.goldenY.map(Double.init)
        let n = y.count, batch = 16
        var history: [Double] = []
        for _ in 0..<25 {
            let idx = rs.permutation(n)
            var batchLosses: [Double] = []
            for start in stride(from: 0, to: n, by: batch) {
                let b = idx[start..<min(start + batch, n)]
                let bx = b.flatMap { [x[2 * $0], x[2 * $0 + 1]] }, by = b.map { y[$0] }
                batchLosses.append(try net.trainStep(bx, by, rows: b.count, learningRate: 0.1))
            }
            history.append(pairwiseSum(batchLosses) / Double(batchLosses.count))
        }
        // Matrix products sum in a different order than BLAS; 1e-10 relative
        // after 75 steps is the project's parity bar for trained parameters.
        expectClose(net.parameters, final, relative: 1e-10, "\(activation) trained parameters")
        expectClose(history, losses, relative: 1e-12, "\(activation) loss history")
    }

    @Test(arguments: [Activation.sigmoid, .relu])
    func fitMatchesGoldenRunAndRecords(_ activation: Activation) throws {
        let (final, losses): ([Double], [Double]) = activation == .sigmoid
            ? (Fixtures.sigmoidFinal, Fixtures.sigmoidLosses) : (Fixtures.reluFinal, Fixtures.reluLosses)
        var rs = try RandomState(seed: 7)
        let net = try Network(layerSizes: [2, 4, 3, 1], activations: [activation], rng: &rs)
        let y = Fixtures.goldenY.map(Double.init)
        let history = try net.fit(Fixtures.goldenX, y, rows: y.count, epochs: 25, learningRate: 0.1, batchSize: 16,
                                  rng: &rs, recording: Recording(every: 10, parameters: true))
        expectClose(net.parameters, final, relative: 1e-10, "\(activation) fit parameters")
        expectClose(history, losses, relative: 1e-12, "\(activation) fit losses")
        #expect(net.records.epochs == [10, 20, 25])
        #expect(Array(net.records.parameters.suffix(net.parameterCount)) == net.parameters)
        #expect(net.epochsTrained == 25)
    }

    @Test func fitRejectsBadInputBeforeAnyChange() throws {
        var rs = try RandomState(seed: 1)
        let net = try Network(activation: .relu, seed: 0)
        let before = net.parameters, state = rs.state.key
        let x = [0.1, 0.2, 0.3, 0.4]
        for (y, epochs, batch, lr) in [([0.0, 2.0], 1, 1, 0.1), ([0.0, 1.0], 0, 1, 0.1),
                                       ([0.0, 1.0], 1, 0, 0.1), ([0.0, 1.0], 1, 1, Double.infinity)] {
            #expect(throws: SwiftMoonsError.self) {
                try net.fit(x, y, rows: 2, epochs: epochs, learningRate: lr, batchSize: batch, rng: &rs)
            }
        }
        #expect(throws: SwiftMoonsError.self) {
            try net.fit([0.1, .nan, 0.3, 0.4], [0.0, 1.0], rows: 2, epochs: 1, learningRate: 0.1, batchSize: 1, rng: &rs)
        }
        #expect(throws: SwiftMoonsError.self) {
            try trainTogether([net, net], x, [0.0, 1.0], rows: 2, epochs: 1, learningRate: 0.1, batchSize: 1, rng: &rs)
        }
        #expect(net.parameters == before && rs.state.key == state && net.epochsTrained == 0)
    }

    @Test func badShapesChangeNothing() throws {
        let net = try Network(activation: .relu, seed: 0)
        let before = net.parameters
        #expect(throws: SwiftMoonsError.self) { try net.setParameters([1, 2, 3]) }
        #expect(throws: SwiftMoonsError.self) { try net.trainStep([1, 2, 3], [1], rows: 1, learningRate: 0.1) }
        #expect(throws: SwiftMoonsError.self) { try net.trainStep([1, 2], [1], rows: 1, learningRate: .nan) }
        #expect(throws: SwiftMoonsError.self) { try net.setWeights(layer: 4, [1]) }
        #expect(net.parameters == before)
        #expect(throws: SwiftMoonsError.self) { try Network(layerSizes: [2], activation: .relu, seed: 0) }
        #expect(throws: SwiftMoonsError.self) { try Activation(name: "tanhh") }
        #expect(throws: SwiftMoonsError.self) { try Activation(name: "relu", alpha: 0.1) }
        #expect(throws: SwiftMoonsError.self) {
            var rs = try RandomState(seed: 0)
            return try Network(layerSizes: [2, 3, 3, 1], activations: [.relu, .relu, .relu], rng: &rs)
        }
        #expect(throws: SwiftMoonsError.self) {
            var rs = try RandomState(seed: 0)
            return try Network(layerSizes: [2, 3, 1], activations: [.relu], output: .softmax, rng: &rs)
        }
    }

    @Test func forwardIsIndependentOfBlocking() throws {
        // 600 rows cross the 256-row blocks of forward; each row must equal
        // the same row computed alone.
        var rs = try RandomState(seed: 11)
        let net = try Network(activation: .sigmoid, seed: 3)
        let x = (0..<1200).map { _ in rs.gaussian() }
        let all = try net.forward(x, rows: 600)
        for i in [0, 255, 256, 511, 599] {
            #expect(try net.forward(Array(x[(2 * i)..<(2 * i + 2)]), rows: 1) == [all[i]])
        }
    }

    @Test func traceOfOneSampleIsMeanAbsolutePerLayer() throws {
        let net = try Network(activation: .relu, seed: 42)
        let x = [0.4, -1.1]
        var t = [Double](repeating: 0, count: net.traceLength)
        try net.trace(x, rows: 1, perSample: true, into: &t)
        var h1 = [Double](repeating: 0, count: 8)
        try net.hidden(layer: 1, x, rows: 1, into: &h1)
        #expect(t.count == 5)
        #expect(abs(t[1] - h1.map(abs).reduce(0, +) / 8) < 1e-15)
    }

    @Test func preActivationsFeedTheActivationsAndTheOutput() throws {
        // a_k = f(z_k) unit by unit, and the output is the sigmoid of the last z.
        let net = try Network(activation: .tanh, seed: 5)
        let x = [0.3, -0.7, 1.2, 0.1]
        var z1 = [Double](repeating: 0, count: 16), a1 = z1, z3 = [Double](repeating: 0, count: 2)
        try net.preActivations(layer: 1, x, rows: 2, into: &z1)
        try net.hidden(layer: 1, x, rows: 2, into: &a1)
        try net.preActivations(layer: 3, x, rows: 2, into: &z3)
        let out = try net.forward(x, rows: 2)
        for i in 0..<16 { #expect(abs(a1[i] - Activation.tanh.value(z1[i])) < 1e-15) }
        for i in 0..<2 { #expect(abs(out[i] - 1 / (1 + exp(-z3[i]))) < 1e-15) }
        #expect(throws: SwiftMoonsError.self) { try net.preActivations(layer: 4, x, rows: 2, into: &z3) }
        #expect(throws: SwiftMoonsError.self) { try net.preActivations(layer: 0, x, rows: 2, into: &z3) }
    }
}
