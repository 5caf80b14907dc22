#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// scikit-learn's MLP losses (sklearn/neural_network/_base.py), each with
/// the output function it pairs with. The network computing them has an
/// identity output: its last layer's z are the logits, and the output
/// function and loss are applied here, as scikit-learn applies them.
public enum SklearnLoss: Int, CaseIterable, Sendable {
    /// Identity output, half the mean squared error (MLPRegressor).
    case squaredError = 0
    /// Softmax output, the eps-clipped log loss (multiclass MLPClassifier).
    case logLoss = 1
    /// Logistic output, the eps-clipped binary log loss (binary and multilabel MLPClassifier).
    case binaryLogLoss = 2
    /// Exponential output, half the Poisson deviance (MLPRegressor(loss="poisson")).
    case poisson = 3
}

/// SciPy's xlogy: 0 where x is 0, else x log y.
@inline(__always)
private func xlogy(_ x: Double, _ y: Double) -> Double { x == 0 && !y.isNaN ? 0 : x * log(y) }

extension Network {
    /// scikit-learn's loss and gradient (its `_backprop`) at the flat
    /// parameters `p` (this network's layout: W1, b1, (slopes1), W2, ...)
    /// for `rows` samples `x` (row-major) with targets `y` (`rows x
    /// outputWidth`, row-major) and optional sample weights: the loss of
    /// `loss` plus `0.5 alpha sum(W^2) / sw_sum`; delta = (p - y) sw;
    /// gradients (a^T delta + alpha W) / sw_sum for weights and
    /// sum(delta) / sw_sum for biases (and PReLU slopes), written into `g`.
    /// The network's own parameters are not read or changed. The network
    /// must have an identity output. `g` is written only if the call succeeds.
    public func sklearnLossGradient(parameters p: UnsafeBufferPointer<Double>, x: UnsafeBufferPointer<Double>,
                                    rows: Int, y: UnsafeBufferPointer<Double>,
                                    sampleWeight sw: UnsafeBufferPointer<Double>?, loss kind: SklearnLoss,
                                    alpha: Double, gradients g: UnsafeMutableBufferPointer<Double>) throws -> Double {
        try checkSklearn(parameters: p.count, x: x.count, rows: rows, y: y.count, sampleWeight: sw?.count,
                         alpha: alpha, gradients: g.count)
        try reserve(rows: rows)
        guard let c = columnLayout, c.stride >= rows, let pp = p.baseAddress, let xp = x.baseAddress,
              let yp = y.baseAddress, let gp = g.baseAddress else {
            throw SwiftMoonsError.badArgument("Empty buffers given to the loss and gradient")
        }
        let swp = sw?.baseAddress
        return columnWork.withUnsafeMutableBufferPointer { sb -> Double in
            guard let s = sb.baseAddress else { return .nan }
            return sklearnKernel(pp, xp, rows: rows, yp, swp, kind, alpha, gp, s, c)
        }
    }

    /// The argument rules of `sklearnLossGradient`.
    func checkSklearn(parameters: Int, x: Int, rows: Int, y: Int, sampleWeight: Int?, alpha: Double,
                      gradients: Int) throws {
        guard output == .identity else {
            throw SwiftMoonsError.badArgument("scikit-learn's losses need a network with an identity output, got \(output.rawValue)")
        }
        guard parameters == parameterCount else {
            throw SwiftMoonsError.badShape("params must hold \(parameterCount) values, got \(parameters)")
        }
        guard gradients == parameterCount else {
            throw SwiftMoonsError.badShape("grads must hold \(parameterCount) values, got \(gradients)")
        }
        try checkInput(count: x, rows: rows)
        let need = try checkedCount(rows, outputWidth, what: "y")
        guard y == need else { throw SwiftMoonsError.badShape("y must hold \(need) values (n x \(outputWidth)), got \(y)") }
        if let sampleWeight, sampleWeight != rows {
            throw SwiftMoonsError.badShape("sample_weight must hold \(rows) values, got \(sampleWeight)")
        }
        guard alpha.isFinite, alpha >= 0 else {
            throw SwiftMoonsError.badArgument("alpha must be a finite number >= 0, got \(alpha)")
        }
    }

    /// The pass itself (shapes checked, scratch reserved for `rows`). With
    /// `x` and `y` nil the caller has written the batch into the input and
    /// target columns already (`gatherColumns`).
    func sklearnKernel(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>?, rows: Int, _ y: UnsafePointer<Double>?,
                       _ sw: UnsafePointer<Double>?, _ kind: SklearnLoss, _ alpha: Double,
                       _ g: UnsafeMutablePointer<Double>, _ s: UnsafeMutablePointer<Double>, _ c: ColumnLayout) -> Double {
        let S = ColumnLayout.stride(rows: rows), L = layerCount
        if let x { toColumns(x, rows: rows, width: inputWidth, stride: S, s + c.input) }
        if let y { toColumns(y, rows: rows, width: outputWidth, stride: S, s + c.targets) }
        columnForward(rows: rows, stride: S, through: L, p, s, c)
        let loss = sklearnOutputLoss(rows: rows, stride: S, sw, kind, s, c)
        columnBackward(stride: S, p, g, s, c)
        let swSum = sw.map { pairwiseSum($0, rows, 1) } ?? Double(rows)
        var squares = 0.0
        for layer in layers {
            let w = layer.weights, n = layer.fanIn * layer.fanOut
            var total = 0.0
            for i in w..<(w + n) {
                total += p[i] * p[i]
                g[i] = (g[i] + alpha * p[i]) / swSum
            }
            squares += total
            let rest = layer.parameterRange.upperBound
            for i in layer.biases..<rest { g[i] /= swSum }
        }
        return loss + (0.5 * alpha) * squares / swSum
    }

    /// The outputs (over the last layer's z, in place of its a), scikit-learn's
    /// loss of them, and delta = (p - y) sw into the output layer's dz (zero
    /// on padded samples).
    private func sklearnOutputLoss(rows: Int, stride S: Int, _ sw: UnsafePointer<Double>?, _ kind: SklearnLoss,
                                   _ s: UnsafeMutablePointer<Double>, _ c: ColumnLayout) -> Double {
        let L = layerCount, k = outputWidth
        let out = s + c.a[L - 1], y = UnsafePointer(s + c.targets), d = s + c.d[L - 1]
        let terms = s + c.transposeScratch
        // The network's identity output left z in `out`; the output function.
        switch kind {
        case .squaredError:
            break
        case .poisson:
            for i in 0..<(k * S) { out[i] = exp(out[i]) }
        case .binaryLogLoss:
            for i in 0..<(k * S) { out[i] = 1 / (1 + exp(-out[i])) }
        case .logLoss:
            let e = s + c.terms  // k values per row
            for i in 0..<rows {
                var m = out[i]
                for j in 1..<max(k, 1) where out[j * S + i] > m { m = out[j * S + i] }
                for j in 0..<k { e[j] = exp(out[j * S + i] - m) }
                let total = pairwiseSum(UnsafePointer(e), k, 1)
                for j in 0..<k { out[j * S + i] = e[j] / total }
            }
        }
        // Per output, the (weighted) average over samples of the loss term.
        let eps = Double.ulpOfOne
        let swSum = sw.map { pairwiseSum($0, rows, 1) } ?? Double(rows)
        var result = 0.0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: k) { means in
            for j in 0..<k {
                let o = out + j * S, t = y + j * S
                for i in 0..<rows {
                    let term: Double
                    switch kind {
                    case .squaredError:
                        let r = t[i] - o[i]
                        term = r * r
                    case .poisson:
                        term = xlogy(t[i], t[i] / o[i]) - t[i] + o[i]
                    case .logLoss:
                        term = xlogy(t[i], min(max(o[i], eps), 1 - eps))
                    case .binaryLogLoss:
                        let q = min(max(o[i], eps), 1 - eps)
                        term = xlogy(t[i], q) + xlogy(1 - t[i], 1 - q)
                    }
                    terms[i] = sw.map { term * $0[i] } ?? term
                }
                means[j] = pairwiseSum(UnsafePointer(terms), rows, 1) / swSum
            }
            let total = pairwiseSum(UnsafePointer(means.baseAddress), k, 1)
            switch kind {
            case .squaredError: result = 0.5 * (total / Double(k))
            case .poisson: result = total
            case .logLoss, .binaryLogLoss: result = -total
            }
        }
        // delta = (p - y) * sw, zero past the real samples.
        for j in 0..<k {
            let o = out + j * S, t = y + j * S, dj = d + j * S
            for i in 0..<rows { dj[i] = sw.map { (o[i] - t[i]) * $0[i] } ?? (o[i] - t[i]) }
            if rows < S { for i in rows..<S { dj[i] = 0 } }
        }
        return result
    }
}
