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

// MARK: - The loss of each output kind
//
// The one definition of each kind's loss, its gradient at the output and its
// accuracy: training (a batch's loss and delta) and `Network.evaluate` (the
// loss and accuracy of a data set, block by block) both call these. Values
// are in the column layout of ColumnKernels.swift: output unit j's value for
// sample i at `j * stride + i`, targets likewise.

extension OutputKind {
    /// The outputs a from the last layer's z, for `stride` samples of
    /// `outputs` units: the article's clipped sigmoid, softmax over each
    /// sample's units (shifted by their maximum so that exp cannot
    /// overflow), or z itself.
    func activate(_ z: UnsafePointer<Double>, _ a: UnsafeMutablePointer<Double>, stride S: Int, outputs k: Int) {
        switch self {
        case .sigmoid: sigmoidBulk(z, a, k * S)
        case .identity: a.update(from: z, count: k * S)
        case .softmax:
            for i in 0..<S {
                var m = z[i]
                for j in 1..<k where z[j * S + i] > m { m = z[j * S + i] }
                var total = 0.0
                for j in 0..<k { let e = exp(z[j * S + i] - m); a[j * S + i] = e; total += e }
                for j in 0..<k { a[j * S + i] /= total }
            }
        }
    }

    /// The loss terms of `rows` samples, written in row order into `terms`
    /// (one per sample and output for sigmoid and identity, one per sample
    /// for softmax; `terms` must hold `outputs * stride` values), and with
    /// `delta` the gradient of the mean loss over these rows with respect to
    /// z, zero on padded samples. `scratch` holds `outputs * stride` values.
    /// Returns the number of terms written.
    func lossTerms(out: UnsafePointer<Double>, z: UnsafePointer<Double>, targets y: UnsafePointer<Double>,
                   rows: Int, stride S: Int, outputs k: Int, terms: UnsafeMutablePointer<Double>,
                   scratch: UnsafeMutablePointer<Double>, delta: UnsafeMutablePointer<Double>?) -> Int {
        let n = Double(rows)
        switch self {
        case .sigmoid:
            // Binary cross-entropy with the article's 1e-9 inside the logs.
            // With a sigmoid output dLoss/dz = (out - y) / n: the sigmoid's
            // derivative cancels (the article's shortcut, which ignores the
            // 1e-9). With one output the terms are already in sample order.
            bceTerms(out, y, count: k * S, rows: rows, k == 1 ? terms : scratch, delta)
            if let delta, rows < S { for j in 0..<k { for i in rows..<S { delta[j * S + i] = 0 } } }
            guard k > 1 else { return rows }
            // The loss is the mean over rows and outputs: each delta is (out - y) / (n k).
            if let delta {
                let perOutput = 1 / Double(k)
                for i in 0..<(k * S) { delta[i] *= perOutput }
            }
            for i in 0..<rows { for j in 0..<k { terms[i * k + j] = scratch[j * S + i] } }
            return rows * k
        case .softmax:
            // Cross-entropy from the log-sum-exp of z; its gradient is (p - onehot) / n.
            for i in 0..<S {
                guard i < rows else {
                    if let delta { for j in 0..<k { delta[j * S + i] = 0 } }
                    continue
                }
                let cls = Int(y[i])
                var m = z[i]
                for j in 1..<k where z[j * S + i] > m { m = z[j * S + i] }
                for j in 0..<k { scratch[j] = exp(z[j * S + i] - m) }
                terms[i] = log(pairwiseSum(UnsafePointer(scratch), k, 1)) - (z[cls * S + i] - m)
                if let delta { for j in 0..<k { delta[j * S + i] = (out[j * S + i] - (j == cls ? 1 : 0)) / n } }
            }
            return rows
        case .identity:
            // Mean squared error over rows and outputs.
            let count = Double(rows * k)
            for i in 0..<rows {
                for j in 0..<k {
                    let r = out[j * S + i] - y[j * S + i]
                    terms[i * k + j] = r * r
                    delta?[j * S + i] = 2 * r / count
                }
            }
            if let delta, rows < S { for j in 0..<k { for i in rows..<S { delta[j * S + i] = 0 } } }
            return rows * k
        }
    }

    /// The mean loss from the sum of `count` terms (binary cross-entropy's
    /// terms are log-likelihoods, so its loss is their negated mean).
    func loss(termSum: Double, count: Int) -> Double {
        self == .sigmoid ? -(termSum / Double(count)) : termSum / Double(count)
    }

    /// How many of `rows` samples the outputs get right: per output, output
    /// >= 0.5 against target >= 0.5 for sigmoid; the most probable class
    /// (the first on ties) against the class for softmax; none for identity.
    func correctCount(out: UnsafePointer<Double>, targets y: UnsafePointer<Double>, rows: Int, stride S: Int,
                      outputs k: Int) -> Int {
        var correct = 0
        switch self {
        case .sigmoid:
            for j in 0..<k { for i in 0..<rows where (out[j * S + i] >= 0.5) == (y[j * S + i] >= 0.5) { correct += 1 } }
        case .softmax:
            for i in 0..<rows {
                var best = 0
                for j in 1..<k where out[j * S + i] > out[best * S + i] { best = j }
                if best == Int(y[i]) { correct += 1 }
            }
        case .identity:
            break
        }
        return correct
    }

    /// The accuracy from `correct` of `rows` samples of `outputs` outputs (NaN for identity).
    func accuracy(correct: Int, rows: Int, outputs k: Int) -> Double {
        switch self {
        case .sigmoid: return Double(correct) / Double(rows * k)
        case .softmax: return Double(correct) / Double(rows)
        case .identity: return .nan
        }
    }
}
