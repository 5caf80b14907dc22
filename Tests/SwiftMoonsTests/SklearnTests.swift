#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SwiftMoons

/// scikit-learn's optimizers over flat vectors, its loss and gradient, and its epoch.
@Suite struct SklearnTests {
    @Test func sgdNesterovStep() {
        var p: [Double] = [1, -2], v: [Double] = [0.5, 0.25]
        let g: [Double] = [0.1, -0.3]
        v.withUnsafeMutableBufferPointer { vb in
            var state = SklearnOptimizerState(solver: .sgd(momentum: 0.9, nesterov: true), learningRateInit: 0.1,
                                              learningRate: 0.1, t: 0, first: vb.baseAddress!, second: nil)
            state.update(&p, g, count: 2)
        }
        for i in 0..<2 {
            let v0 = [0.5, 0.25][i], p0 = [1.0, -2.0][i]
            let u1 = 0.9 * v0 - 0.1 * g[i]
            #expect(v[i] == u1)
            #expect(p[i] == p0 + (0.9 * u1 - 0.1 * g[i]))
        }
    }

    @Test func adamStep() {
        var p: [Double] = [1, -2], m: [Double] = [0, 0], v: [Double] = [0, 0]
        let g: [Double] = [0.1, -0.3]
        var rate = 0.0
        m.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeMutableBufferPointer { vb in
                var state = SklearnOptimizerState(solver: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
                                                  learningRateInit: 0.001, learningRate: 0.001, t: 0,
                                                  first: mb.baseAddress!, second: vb.baseAddress)
                state.update(&p, g, count: 2)
                #expect(state.t == 1)
                rate = state.learningRate
            }
        }
        let expected = 0.001 * (1 - pow(0.999, 1.0)).squareRoot() / (1 - pow(0.9, 1.0))
        #expect(rate == expected)
        for i in 0..<2 {
            let mi = 0.9 * 0 + (1 - 0.9) * g[i], vi = 0.999 * 0 + (1 - 0.999) * (g[i] * g[i])
            #expect(m[i] == mi && v[i] == vi)
            #expect(p[i] == [1.0, -2.0][i] + -expected * mi / (vi.squareRoot() + 1e-8))
        }
    }

    func network() throws -> Network {
        var rng = try RandomState(seed: 4)
        return try Network(layerSizes: [3, 5, 2], activations: [.tanh], output: .identity, rng: &rng)
    }

    @Test(arguments: SklearnLoss.allCases) func gradientMatchesDifferences(kind: SklearnLoss) throws {
        let net = try network()
        let x: [Double] = [0.1, 0.2, 0.3, -0.5, 0.4, 1.0, 0.7, -0.2, 0.0, 0.3, 0.3, -0.9]
        let y: [Double] = kind == .squaredError ? [0.5, -1, 2, 0.1, 0, 1, 1, 0] : [1, 0, 0, 1, 1, 0, 0, 1]
        let sw: [Double] = [1, 2, 0.5, 1.5]
        var p = net.parameters
        var g = [Double](repeating: 0, count: p.count), scratch = g
        func loss(_ q: [Double], into out: inout [Double]) throws -> Double {
            try q.withUnsafeBufferPointer { qb in
                try x.withUnsafeBufferPointer { xb in
                    try y.withUnsafeBufferPointer { yb in
                        try sw.withUnsafeBufferPointer { wb in
                            try out.withUnsafeMutableBufferPointer { ob in
                                try net.sklearnLossGradient(parameters: qb, x: xb, rows: 4, y: yb, sampleWeight: wb,
                                                            loss: kind, alpha: kind == .squaredError ? 0 : 0.01,
                                                            gradients: ob)
                            }
                        }
                    }
                }
            }
        }
        _ = try loss(p, into: &g)
        for i in 0..<p.count {
            let h = 1e-6, keep = p[i]
            p[i] = keep + h; let up = try loss(p, into: &scratch)
            p[i] = keep - h; let down = try loss(p, into: &scratch)
            p[i] = keep
            // scikit-learn's squared-error gradient is (p - y) / n, k times the
            // derivative of its loss (a mean over the k outputs too).
            let scale = kind == .squaredError ? Double(net.outputWidth) : 1
            #expect(abs(scale * (up - down) / (2 * h) - g[i]) < 1e-6 * max(1, abs(g[i])))
        }
        #expect(net.parameters == p)  // the network's own parameters are untouched
    }

    @Test func cancelledEpochChangesNothing() throws {
        let net = try network()
        var p = net.parameters, v = [Double](repeating: 0, count: p.count)
        let x = [Double](repeating: 0.5, count: 12), y = [Double](repeating: 1, count: 8)
        var order: [Int64] = [0, 1, 2, 3]
        var rng: RandomState? = try RandomState(seed: 1)
        let progress = Progress()
        progress.cancel()
        let before = p
        try v.withUnsafeMutableBufferPointer { vb in
            var state = SklearnOptimizerState(solver: .sgd(momentum: 0.9, nesterov: false), learningRateInit: 0.1,
                                              learningRate: 0.1, t: 0, first: vb.baseAddress!, second: nil)
            try p.withUnsafeMutableBufferPointer { pb in
                try x.withUnsafeBufferPointer { xb in
                    try y.withUnsafeBufferPointer { yb in
                        try order.withUnsafeMutableBufferPointer { ob in
                            #expect(throws: SwiftMoonsError.self) {
                                try net.sklearnEpoch(parameters: pb, x: xb, rows: 4, y: yb, sampleWeight: nil,
                                                     loss: .squaredError, alpha: 0, batchSize: 2, order: ob, rng: &rng,
                                                     optimizer: &state, progress: progress)
                            }
                            let loss = try net.sklearnEpoch(parameters: pb, x: xb, rows: 4, y: yb, sampleWeight: nil,
                                                            loss: .squaredError, alpha: 0, batchSize: 2, order: ob,
                                                            rng: &rng, optimizer: &state)
                            #expect(loss.isFinite)
                        }
                    }
                }
            }
        }
        #expect(p != before && Set(order) == [0, 1, 2, 3])
        #expect(rng != (try RandomState(seed: 1)))
    }
}
