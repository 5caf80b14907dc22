#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// scikit-learn's stochastic optimizers (sklearn/neural_network/
/// _stochastic_optimizers.py) over flat parameter vectors, operation for
/// operation, so that the same gradients give the same parameters bit for bit.
public enum SklearnSolver: Sendable, Equatable {
    /// SGD with momentum (Nesterov's if asked): `u = momentum v - lr g`,
    /// `v = u`, with Nesterov `u = momentum v - lr g` again, then `p += u`.
    case sgd(momentum: Double, nesterov: Bool)
    /// Adam: `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`, the rate
    /// `lr_init sqrt(1 - b2^t) / (1 - b1^t)`, then `p += -lr m / (sqrt(v) + eps)`.
    case adam(beta1: Double, beta2: Double, epsilon: Double)
}

/// An optimizer's state over `count` parameters: SGD's rate and velocities,
/// or Adam's step count, rate and moments. The buffers belong to the caller.
public struct SklearnOptimizerState {
    public var solver: SklearnSolver
    /// The initial learning rate (Adam's rate is recomputed from it each step).
    public var learningRateInit: Double
    /// The current learning rate (SGD's schedule sets it; Adam writes it).
    public var learningRate: Double
    /// Adam's step count.
    public var t: Int
    /// SGD's velocities or Adam's first moments.
    public var first: UnsafeMutablePointer<Double>
    /// Adam's second moments (unused by SGD).
    public var second: UnsafeMutablePointer<Double>?

    public init(solver: SklearnSolver, learningRateInit: Double, learningRate: Double, t: Int,
                first: UnsafeMutablePointer<Double>, second: UnsafeMutablePointer<Double>?) {
        self.solver = solver
        self.learningRateInit = learningRateInit
        self.learningRate = learningRate
        self.t = t
        self.first = first
        self.second = second
    }

    /// One update of `count` parameters `p` from their gradients `g`.
    public mutating func update(_ p: UnsafeMutablePointer<Double>, _ g: UnsafePointer<Double>, count: Int) {
        switch solver {
        case .sgd(let momentum, let nesterov):
            let lr = learningRate, v = first
            for i in 0..<count {
                var u = momentum * v[i] - lr * g[i]
                v[i] = u
                if nesterov { u = momentum * v[i] - lr * g[i] }
                p[i] += u
            }
        case .adam(let b1, let b2, let eps):
            t += 1
            let m = first
            guard let v = second else { return }
            for i in 0..<count {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * (g[i] * g[i])
            }
            learningRate = learningRateInit * (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t)))
            let lr = learningRate
            for i in 0..<count { p[i] += -lr * m[i] / (v[i].squareRoot() + eps) }
        }
    }
}

extension Network {
    /// One epoch of scikit-learn's stochastic training (its `_fit_stochastic`
    /// inner loop): with `rng`, `order` (the running sample order) becomes
    /// `order[permutation(n)]`; then for each batch of `batchSize` rows in
    /// that order (full batches, then a short one) the loss and gradients of
    /// `sklearnLossGradient` and one optimizer update. Returns the epoch's
    /// loss (the batch losses times their rows, over n). The parameters, the
    /// order, the optimizer state and the stream change only if the call
    /// succeeds (a cancelled epoch leaves them as they were).
    public func sklearnEpoch(parameters: UnsafeMutableBufferPointer<Double>, x: UnsafeBufferPointer<Double>,
                             rows: Int, y: UnsafeBufferPointer<Double>, sampleWeight: UnsafeBufferPointer<Double>?,
                             loss kind: SklearnLoss, alpha: Double, batchSize: Int,
                             order: UnsafeMutableBufferPointer<Int64>, rng: inout RandomState?,
                             optimizer: inout SklearnOptimizerState, progress: Progress? = nil) throws -> Double {
        try checkSklearn(parameters: parameters.count, x: x.count, rows: rows, y: y.count,
                         sampleWeight: sampleWeight?.count, alpha: alpha, gradients: parameters.count)
        guard batchSize >= 1, batchSize <= rows else {
            throw SwiftMoonsError.badArgument("batch_size must be in 1...\(rows), got \(batchSize)")
        }
        guard order.count == rows else {
            throw SwiftMoonsError.badShape("sample_idx must hold \(rows) values, got \(order.count)")
        }
        if let bad = order.first(where: { $0 < 0 || $0 >= Int64(rows) }) {
            throw SwiftMoonsError.badArgument("sample_idx must hold indices in 0..<\(rows), got \(bad)")
        }
        guard optimizer.learningRate.isFinite, optimizer.learningRateInit.isFinite else {
            throw SwiftMoonsError.badArgument("The learning rates must be finite")
        }
        if case .adam = optimizer.solver, optimizer.second == nil {
            throw SwiftMoonsError.badArgument("Adam needs its second moments")
        }
        let count = parameters.count, d = inputWidth, k = outputWidth
        let moments = optimizer.second == nil ? 1 : 2
        _ = try checkedCount(batchSize, max(d, k), what: "A batch")
        // The working copies (parameters, gradients, optimizer state), the
        // order and a permutation of it, and the batch's sample weights.
        let working = try checkedCount(count, 2 + moments, what: "An epoch's working copies")
        try checkAllocation(working + 3 * rows + batchSize,
                            "An epoch's working copies and batch of \(batchSize) rows")
        try reserve(rows: batchSize)
        guard let c = columnLayout, c.stride >= batchSize, let xp = x.baseAddress, let yp = y.baseAddress else {
            throw SwiftMoonsError.badArgument("Empty buffers given to the epoch")
        }
        // Working copies: written back only when the epoch completes.
        var p = Array(parameters), g = [Double](repeating: 0, count: count)
        var first = Array(UnsafeBufferPointer(start: optimizer.first, count: count))
        var second = optimizer.second.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
        var idx = order.map { Int($0) }
        var stream = rng
        if stream != nil {
            var perm = Array(0..<rows)
            stream?.shuffle(&perm)
            idx = perm.map { idx[$0] }
        }
        var bw = [Double](repeating: 0, count: sampleWeight == nil ? 0 : batchSize)
        var state = optimizer
        var accumulated = 0.0
        progress?.begin(total: (rows + batchSize - 1) / batchSize)
        try first.withUnsafeMutableBufferPointer { fb in
            try second.withUnsafeMutableBufferPointer { sb in
                state.first = fb.baseAddress ?? state.first
                state.second = sb.baseAddress
                try columnWork.withUnsafeMutableBufferPointer { wb in
                    guard let s = wb.baseAddress else { return }
                    var start = 0
                    while start < rows {
                        try progress?.check("The epoch")
                        let n = min(batchSize, rows - start), S = ColumnLayout.stride(rows: n)
                        // The batch straight into the input and target columns.
                        idx.withUnsafeBufferPointer { order in
                            let batch = order.baseAddress! + start
                            gatherColumns(xp, batch, rows: n, width: d, stride: S, s + c.input)
                            gatherColumns(yp, batch, rows: n, width: k, stride: S, s + c.targets)
                            if let sw = sampleWeight { for r in 0..<n { bw[r] = sw[batch[r]] } }
                        }
                        let batchLoss = p.withUnsafeMutableBufferPointer { pb in
                            g.withUnsafeMutableBufferPointer { gb in
                                bw.withUnsafeBufferPointer { wbuf in
                                    sklearnKernel(pb.baseAddress!, nil, rows: n, nil, sampleWeight == nil ? nil : wbuf.baseAddress,
                                                  kind, alpha, gb.baseAddress!, s, c)
                                }
                            }
                        }
                        accumulated += batchLoss * Double(n)
                        p.withUnsafeMutableBufferPointer { pb in
                            g.withUnsafeBufferPointer { gb in state.update(pb.baseAddress!, gb.baseAddress!, count: count) }
                        }
                        progress?.advance()
                        start += n
                    }
                }
            }
        }
        // Success: write everything back.
        _ = parameters.update(from: p)
        optimizer.first.update(from: first, count: count)
        if let dst = optimizer.second { dst.update(from: second, count: count) }
        optimizer.learningRate = state.learningRate
        optimizer.t = state.t
        for i in 0..<rows { order[i] = Int64(idx[i]) }
        rng = stream
        return accumulated / Double(rows)
    }
}

/// How scikit-learn's SGD sets its rate after each epoch (`learning_rate`).
public enum SklearnSchedule: Sendable, Equatable {
    /// The rate stays at learning_rate_init.
    case constant
    /// `lr = learning_rate_init / (t_ + 1)^powerT` after each epoch (t_: samples seen).
    case invscaling(powerT: Double)
    /// The rate is divided by 5 each time the loss stops improving, and the
    /// fit stops when it is at most 1e-6.
    case adaptive
}

/// scikit-learn's stopping rule on the training loss and the bookkeeping it
/// carries from epoch to epoch (and from one `fit` or `partial_fit` call to
/// the next): samples seen (`t_`), epochs without improvement
/// (`_no_improvement_count`) and the best loss (`best_loss_`).
public struct SklearnStopping: Sendable, Equatable {
    public var schedule: SklearnSchedule
    /// An epoch improves if its loss is below the best by more than `tol`.
    public var tol: Double
    /// More than this many epochs in a row without improvement trigger the rule.
    public var patience: Int
    public var samplesSeen: Int
    public var noImprovement: Int
    public var bestLoss: Double

    public init(schedule: SklearnSchedule, tol: Double, patience: Int, samplesSeen: Int, noImprovement: Int,
                bestLoss: Double) {
        self.schedule = schedule
        self.tol = tol
        self.patience = patience
        self.samplesSeen = samplesSeen
        self.noImprovement = noImprovement
        self.bestLoss = bestLoss
    }

    /// What scikit-learn's `_fit_stochastic` does after an epoch of `rows`
    /// samples whose loss was `loss` (without early stopping): t_, the
    /// no-improvement count and best loss, the schedule's `iteration_ends`,
    /// then the optimizer's `trigger_stopping` if the count passed the
    /// patience. Returns true if the fit stops.
    mutating func epochEnded(loss: Double, rows: Int, optimizer: inout SklearnOptimizerState) -> Bool {
        samplesSeen += rows
        noImprovement = loss > bestLoss - tol ? noImprovement + 1 : 0
        if loss < bestLoss { bestLoss = loss }
        let sgd: Bool
        if case .sgd = optimizer.solver { sgd = true } else { sgd = false }
        if sgd, case .invscaling(let powerT) = schedule {
            optimizer.learningRate = optimizer.learningRateInit / pow(Double(samplesSeen + 1), powerT)
        }
        guard noImprovement > patience else { return false }
        // Adam, and SGD on a fixed schedule, stop; adaptive SGD divides its
        // rate by 5 and goes on until the rate is at most 1e-6.
        guard sgd, schedule == .adaptive, optimizer.learningRate > 1e-6 else { return true }
        optimizer.learningRate /= 5
        noImprovement = 0
        return false
    }
}

/// What a run of scikit-learn epochs did.
public struct SklearnEpochs: Sendable, Equatable {
    /// Each completed epoch's loss, in order.
    public var losses: [Double]
    /// Whether the stopping rule ended the run.
    public var stopped: Bool
    /// Whether a cancellation ended it (the completed epochs are kept).
    public var cancelled: Bool
}

extension Network {
    /// Up to `maxEpochs` epochs of `sklearnEpoch`, each followed by
    /// scikit-learn's schedule and stopping rule on the training loss
    /// (`stopping`, updated): the whole of `_fit_stochastic`'s loop without
    /// early stopping, in one call. Each epoch commits when it completes; a
    /// cancellation keeps the completed ones (`cancelled` is then set, as
    /// scikit-learn keeps the epochs done before a KeyboardInterrupt), and an
    /// error in the first epoch's checks changes nothing.
    public func sklearnEpochs(maxEpochs: Int, parameters: UnsafeMutableBufferPointer<Double>,
                              x: UnsafeBufferPointer<Double>, rows: Int, y: UnsafeBufferPointer<Double>,
                              sampleWeight: UnsafeBufferPointer<Double>?, loss kind: SklearnLoss, alpha: Double,
                              batchSize: Int, order: UnsafeMutableBufferPointer<Int64>, rng: inout RandomState?,
                              optimizer: inout SklearnOptimizerState, stopping: inout SklearnStopping,
                              progress: Progress? = nil) throws -> SklearnEpochs {
        guard maxEpochs >= 1 else { throw SwiftMoonsError.badArgument("max_epochs must be >= 1, got \(maxEpochs)") }
        guard stopping.patience >= 1 else {
            throw SwiftMoonsError.badArgument("n_iter_no_change must be >= 1, got \(stopping.patience)")
        }
        guard !stopping.tol.isNaN, stopping.samplesSeen >= 0, stopping.noImprovement >= 0,
              !stopping.bestLoss.isNaN else {
            throw SwiftMoonsError.badArgument("tol and best_loss must not be NaN; samples_seen and no_improvement must be >= 0")
        }
        if case .invscaling(let powerT) = stopping.schedule, !powerT.isFinite {
            throw SwiftMoonsError.badArgument("power_t must be finite, got \(powerT)")
        }
        try checkAllocation(maxEpochs, "The losses of \(maxEpochs) epochs")
        var result = SklearnEpochs(losses: [], stopped: false, cancelled: false)
        result.losses.reserveCapacity(maxEpochs)
        for _ in 0..<maxEpochs {
            let loss: Double
            do {
                loss = try sklearnEpoch(parameters: parameters, x: x, rows: rows, y: y, sampleWeight: sampleWeight,
                                        loss: kind, alpha: alpha, batchSize: batchSize, order: order, rng: &rng,
                                        optimizer: &optimizer, progress: progress)
            } catch SwiftMoonsError.cancelled(let message) {
                if result.losses.isEmpty { throw SwiftMoonsError.cancelled(message) }
                result.cancelled = true
                return result
            }
            result.losses.append(loss)
            if stopping.epochEnded(loss: loss, rows: rows, optimizer: &optimizer) {
                result.stopped = true
                break
            }
        }
        return result
    }
}
