// Training and what it leaves: steps, gradients, evaluation, whole runs of
// epochs (one network or many), their records, and the article's sweep.

import SwiftMoons

// MARK: - Steps

/// The targets of a batch of `rows` samples: `rows x targetWidth` values.
func targets(_ y: UnsafePointer<Double>?, _ yLen: Int64, rows: Int, _ net: Network) throws -> UnsafeBufferPointer<Double> {
    let need = try product(rows, net.targetWidth, "y")
    guard yLen == Int64(need) else {
        throw APIError(status: .badShape, message: "y must hold \(need) values (n x \(net.targetWidth)), got \(yLen)")
    }
    return try input(y, need, "y")
}

@_cdecl("sm_net_train_step")
public func sm_net_train_step(_ net: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                              _ y: UnsafePointer<Double>?, _ yLen: Int64, _ lr: Double,
                              _ loss: UnsafeMutablePointer<Double>?) -> Int32 {
    withNet(net) { net in
        let (xs, rows) = try samples(x, n, d, net)
        let ys = try targets(y, yLen, rows: rows, net)
        guard let loss else { throw APIError(status: .badArgument, message: "loss is NULL") }
        loss.pointee = try net.trainStep(xs, ys, rows: rows, learningRate: lr)
    }
}

@_cdecl("sm_net_gradients")
public func sm_net_gradients(_ net: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                             _ y: UnsafePointer<Double>?, _ yLen: Int64, _ loss: UnsafeMutablePointer<Double>?,
                             _ grads: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { net in
        let (xs, rows) = try samples(x, n, d, net)
        let ys = try targets(y, yLen, rows: rows, net)
        guard len == Int64(net.parameterCount) else {
            throw APIError(status: .badShape, message: "grads must hold \(net.parameterCount) values, got \(len)")
        }
        guard let loss else { throw APIError(status: .badArgument, message: "loss is NULL") }
        let g = try output(grads, net.parameterCount, "grads")
        let result = try net.gradients(xs, ys, rows: rows)
        loss.pointee = result.loss
        _ = g.update(from: result.gradients)
    }
}

/// scikit-learn's loss and gradient at given flat parameters (see
/// `Network.sklearnLossGradient`); the network's own parameters are untouched.
@_cdecl("sm_net_sk_loss_grad")
public func sm_net_sk_loss_grad(_ net: OpaquePointer?, _ params: UnsafePointer<Double>?, _ nParams: Int64,
                                _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                                _ y: UnsafePointer<Double>?, _ yLen: Int64, _ sw: UnsafePointer<Double>?,
                                _ lossKind: Int32, _ alpha: Double, _ loss: UnsafeMutablePointer<Double>?,
                                _ grads: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { net in
        guard let kind = SklearnLoss(rawValue: Int(lossKind)) else {
            throw APIError(status: .badArgument, message: "loss_kind must be 0 (squared error), 1 (log loss), 2 (binary log loss) or 3 (Poisson), got \(lossKind)")
        }
        let (xs, rows) = try samples(x, n, d, net)
        let count = net.parameterCount
        let p = try input(params, try sized(nParams, count, "params"), "params")
        let ys = try input(y, try sized(yLen, try product(rows, net.outputWidth, "y"), "y"), "y")
        let ws = try sw.map { try input($0, rows, "sample_weight") }
        guard let loss else { throw APIError(status: .badArgument, message: "loss is NULL") }
        let g = try sized(grads, len, expected: count, "grads")
        loss.pointee = try net.sklearnLossGradient(parameters: p, x: xs, rows: rows, y: ys, sampleWeight: ws,
                                                   loss: kind, alpha: alpha, gradients: g)
    }
}

/// One epoch of scikit-learn's SGD or Adam (see `Network.sklearnEpoch`).
/// hyper: learning_rate_init, momentum, nesterov (0/1), beta_1, beta_2, epsilon.
@_cdecl("sm_net_sk_epoch")
public func sm_net_sk_epoch(_ net: OpaquePointer?, _ params: UnsafeMutablePointer<Double>?, _ nParams: Int64,
                            _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                            _ y: UnsafePointer<Double>?, _ yLen: Int64, _ sw: UnsafePointer<Double>?,
                            _ lossKind: Int32, _ alpha: Double, _ batchSize: Int64,
                            _ order: UnsafeMutablePointer<Int64>?, _ rng: OpaquePointer?, _ solver: Int32,
                            _ hyper: UnsafePointer<Double>?, _ learningRate: UnsafeMutablePointer<Double>?,
                            _ t: UnsafeMutablePointer<Int64>?, _ first: UnsafeMutablePointer<Double>?,
                            _ second: UnsafeMutablePointer<Double>?, _ loss: UnsafeMutablePointer<Double>?,
                            _ progress: OpaquePointer?) -> Int32 {
    withNet(net) { net in
        guard let loss else { throw APIError(status: .badArgument, message: "loss is NULL") }
        let job = try SklearnJob(net, params, nParams, x, n, d, y, yLen, sw, lossKind, batchSize, order, solver, hyper,
                                 learningRate, t, first, second, progress)
        loss.pointee = try job.run(net, rng) { stream, state in
            try net.sklearnEpoch(parameters: job.p, x: job.xs, rows: job.rows, y: job.ys, sampleWeight: job.ws,
                                 loss: job.kind, alpha: alpha, batchSize: job.batch, order: job.idx, rng: &stream,
                                 optimizer: &state, progress: job.progress)
        }
    }
}

/// Up to max_epochs epochs of scikit-learn's SGD or Adam, each followed by its
/// schedule and stopping rule (see `Network.sklearnEpochs`). schedule: 0
/// constant, 1 invscaling (power_t), 2 adaptive.
@_cdecl("sm_net_sk_epochs")
public func sm_net_sk_epochs(_ net: OpaquePointer?, _ params: UnsafeMutablePointer<Double>?, _ nParams: Int64,
                             _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                             _ y: UnsafePointer<Double>?, _ yLen: Int64, _ sw: UnsafePointer<Double>?,
                             _ lossKind: Int32, _ alpha: Double, _ batchSize: Int64,
                             _ order: UnsafeMutablePointer<Int64>?, _ rng: OpaquePointer?, _ solver: Int32,
                             _ hyper: UnsafePointer<Double>?, _ learningRate: UnsafeMutablePointer<Double>?,
                             _ t: UnsafeMutablePointer<Int64>?, _ first: UnsafeMutablePointer<Double>?,
                             _ second: UnsafeMutablePointer<Double>?, _ schedule: Int32, _ powerT: Double,
                             _ tol: Double, _ nIterNoChange: Int64, _ samplesSeen: UnsafeMutablePointer<Int64>?,
                             _ noImprovement: UnsafeMutablePointer<Int64>?, _ bestLoss: UnsafeMutablePointer<Double>?,
                             _ losses: UnsafeMutablePointer<Double>?, _ maxEpochs: Int64,
                             _ epochsRun: UnsafeMutablePointer<Int64>?, _ stopped: UnsafeMutablePointer<Int32>?,
                             _ progress: OpaquePointer?) -> Int32 {
    withNet(net) { net in
        guard let samplesSeen, let noImprovement, let bestLoss, let epochsRun, let stopped else {
            throw APIError(status: .badArgument,
                           message: "samples_seen, no_improvement, best_loss, epochs_run and stopped must not be NULL")
        }
        let kind: SklearnSchedule
        switch schedule {
        case 0: kind = .constant
        case 1: kind = .invscaling(powerT: powerT)
        case 2: kind = .adaptive
        default: throw APIError(status: .badArgument, message: "schedule must be 0 (constant), 1 (invscaling) or 2 (adaptive), got \(schedule)")
        }
        guard maxEpochs >= 1, maxEpochs <= Int64(Int32.max) else {
            throw APIError(status: .badArgument, message: "max_epochs must be in 1...\(Int32.max), got \(maxEpochs)")
        }
        let out = try output(losses, Int(maxEpochs), "losses")
        let job = try SklearnJob(net, params, nParams, x, n, d, y, yLen, sw, lossKind, batchSize, order, solver, hyper,
                                 learningRate, t, first, second, progress)
        var rule = SklearnStopping(schedule: kind, tol: tol, patience: Int(clamping: nIterNoChange),
                                   samplesSeen: Int(clamping: samplesSeen.pointee),
                                   noImprovement: Int(clamping: noImprovement.pointee), bestLoss: bestLoss.pointee)
        let result = try job.run(net, rng) { stream, state in
            try net.sklearnEpochs(maxEpochs: Int(maxEpochs), parameters: job.p, x: job.xs, rows: job.rows, y: job.ys,
                                  sampleWeight: job.ws, loss: job.kind, alpha: alpha, batchSize: job.batch,
                                  order: job.idx, rng: &stream, optimizer: &state, stopping: &rule,
                                  progress: job.progress)
        }
        _ = out.update(from: result.losses)
        epochsRun.pointee = Int64(result.losses.count)
        stopped.pointee = result.stopped ? 1 : 0
        samplesSeen.pointee = Int64(rule.samplesSeen)
        noImprovement.pointee = Int64(rule.noImprovement)
        bestLoss.pointee = rule.bestLoss
        // The completed epochs are kept (and reported above); the caller still learns of the interruption.
        if result.cancelled { throw SwiftMoonsError.cancelled("The fit was interrupted") }
    }
}

/// The checked arguments shared by sm_net_sk_epoch and sm_net_sk_epochs.
private struct SklearnJob {
    let kind: SklearnLoss
    let xs: UnsafeBufferPointer<Double>, rows: Int
    let p: UnsafeMutableBufferPointer<Double>
    let ys: UnsafeBufferPointer<Double>, ws: UnsafeBufferPointer<Double>?
    let idx: UnsafeMutableBufferPointer<Int64>
    let batch: Int
    let learningRate: UnsafeMutablePointer<Double>, t: UnsafeMutablePointer<Int64>
    let state: SklearnOptimizerState
    let progress: Progress?

    init(_ net: Network, _ params: UnsafeMutablePointer<Double>?, _ nParams: Int64, _ x: UnsafePointer<Double>?,
         _ n: Int64, _ d: Int64, _ y: UnsafePointer<Double>?, _ yLen: Int64, _ sw: UnsafePointer<Double>?,
         _ lossKind: Int32, _ batchSize: Int64, _ order: UnsafeMutablePointer<Int64>?, _ solver: Int32,
         _ hyper: UnsafePointer<Double>?, _ learningRate: UnsafeMutablePointer<Double>?,
         _ t: UnsafeMutablePointer<Int64>?, _ first: UnsafeMutablePointer<Double>?,
         _ second: UnsafeMutablePointer<Double>?, _ progress: OpaquePointer?) throws {
        guard let kind = SklearnLoss(rawValue: Int(lossKind)) else {
            throw APIError(status: .badArgument, message: "loss_kind must be 0, 1, 2 or 3, got \(lossKind)")
        }
        self.kind = kind
        let (xs, rows) = try samples(x, n, d, net)
        (self.xs, self.rows) = (xs, rows)
        let count = net.parameterCount
        p = try sized(params, nParams, expected: count, "params")
        ys = try input(y, try sized(yLen, try product(rows, net.outputWidth, "y"), "y"), "y")
        ws = try sw.map { try input($0, rows, "sample_weight") }
        idx = try output(order, rows, "sample_idx")
        batch = Int(clamping: batchSize)
        let h = try input(hyper, 6, "hyper")
        guard let learningRate, let t else {
            throw APIError(status: .badArgument, message: "learning_rate and t must not be NULL")
        }
        self.learningRate = learningRate
        self.t = t
        let solverKind: SklearnSolver
        switch solver {
        case 0: solverKind = .sgd(momentum: h[1], nesterov: h[2] != 0)
        case 1: solverKind = .adam(beta1: h[3], beta2: h[4], epsilon: h[5])
        default: throw APIError(status: .badArgument, message: "solver must be 0 (sgd) or 1 (adam), got \(solver)")
        }
        let m1 = try output(first, count, "first")
        let m2 = solver == 1 ? try output(second, count, "second") : nil
        guard t.pointee >= 0 else { throw APIError(status: .badArgument, message: "t must be >= 0, got \(t.pointee)") }
        self.progress = try progressOf(progress)
        state = SklearnOptimizerState(solver: solverKind, learningRateInit: h[0], learningRate: learningRate.pointee,
                                      t: Int(t.pointee), first: m1.baseAddress ?? learningRate,
                                      second: m2?.baseAddress)
    }

    /// Runs `body` with the stream of `rng` (none: no shuffle), writing the
    /// stream and the optimizer's rate and step count back when it returns.
    func run<T: Sendable>(_ net: Network, _ rng: OpaquePointer?,
                _ body: (inout RandomState?, inout SklearnOptimizerState) throws -> T) throws -> T {
        var optimizer = state
        let value: T
        if rng == nil {
            var none: RandomState? = nil
            value = try body(&none, &optimizer)
        } else {
            let handle = try lookup(rng, as: RNGHandle.self, "sm_rng")
            value = try handle.state.withLock { r -> T in
                var stream: RandomState? = r
                let v = try body(&stream, &optimizer)
                if let stream { r = stream }
                return v
            }
        }
        learningRate.pointee = optimizer.learningRate
        t.pointee = Int64(optimizer.t)
        return value
    }
}

/// `n` checked to equal `expected` (a caller-given length).
func sized(_ n: Int64, _ expected: Int, _ name: String) throws -> Int {
    guard n == Int64(expected) else {
        throw APIError(status: .badShape, message: "\(name) must hold \(expected) values, got \(n)")
    }
    return expected
}

@_cdecl("sm_net_evaluate")
public func sm_net_evaluate(_ net: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                            _ y: UnsafePointer<Double>?, _ yLen: Int64, _ loss: UnsafeMutablePointer<Double>?,
                            _ accuracy: UnsafeMutablePointer<Double>?) -> Int32 {
    withNet(net) { net in
        let (xs, rows) = try samples(x, n, d, net)
        let ys = try targets(y, yLen, rows: rows, net)
        guard let loss, let accuracy else { throw APIError(status: .badArgument, message: "loss and accuracy must not be NULL") }
        let r = try net.evaluate(xs, ys, rows: rows)
        loss.pointee = r.loss
        accuracy.pointee = r.accuracy
    }
}

// MARK: - Whole runs

/// The recording options of sm_net_fit / sm_train_together, checked.
func recording(every: Int64, parameters: Int32, evalX: UnsafePointer<Double>?, evalN: Int64,
                       evalY: UnsafePointer<Double>?, inputWidth: Int, outputWidth targetWidth: Int) throws -> Recording? {
    guard every >= 0 else { throw APIError(status: .badArgument, message: "record_every must be >= 0, got \(every)") }
    let n = try count(evalN, "eval_n", allowZero: true)
    // An evaluation set given without records is still checked: the rule
    // does not depend on whether the values end up used.
    guard every > 0 || n > 0 else { return nil }
    let ex = try input(evalX, try product(n, inputWidth, "eval_x"), "eval_x")
    let ey = try input(evalY, try product(n, targetWidth, "eval_y"), "eval_y")
    try checkAllocation(ex.count + ey.count, "A copy of the evaluation set")
    return Recording(every: Int(every), parameters: parameters != 0, evaluationX: Array(ex), evaluationY: Array(ey))
}

/// Runs `body` with every network locked, in address order so that two
/// callers locking overlapping sets cannot deadlock.
func withAll(_ handles: [NetHandle], _ body: ([Network]) throws -> Void) throws {
    let sorted = handles.enumerated().sorted {
        UInt(bitPattern: Unmanaged.passUnretained($0.element).toOpaque()) < UInt(bitPattern: Unmanaged.passUnretained($1.element).toOpaque())
    }
    var nets = [Network?](repeating: nil, count: handles.count)
    func lock(_ i: Int) throws {
        if i == sorted.count {
            try body(nets.map { $0! })
            return
        }
        try sorted[i].element.with { net in
            nets[sorted[i].offset] = net
            try lock(i + 1)
        }
    }
    try lock(0)
}

func train(_ handles: UnsafePointer<OpaquePointer?>?, _ nNets: Int64, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                   _ y: UnsafePointer<Double>?, _ yLen: Int64, _ epochs: Int64, _ lr: Double, _ batchSize: Int64,
                   _ rng: OpaquePointer?, _ recordEvery: Int64, _ recordParams: Int32,
                   _ evalX: UnsafePointer<Double>?, _ evalN: Int64, _ evalY: UnsafePointer<Double>?,
                   _ losses: UnsafeMutablePointer<Double>?, _ lossLen: Int64, _ progress: OpaquePointer?) -> Int32 {
    guarded {
        let progress = try progressOf(progress)
        let count = try count(nNets, "n_nets")
        guard count <= 4096 else { throw APIError(status: .badArgument, message: "At most 4096 networks at once, got \(count)") }
        let list = try input(handles, count, "nets").map { try lookup($0, as: NetHandle.self, "sm_net") }
        guard Set(list.map(ObjectIdentifier.init)).count == list.count else {
            throw APIError(status: .badArgument, message: "Each network may appear only once in nets")
        }
        let stream = try lookup(rng, as: RNGHandle.self, "sm_rng")
        let e = try SwiftMoonsCAPI.count(epochs, "epochs")
        let b = try SwiftMoonsCAPI.count(batchSize, "batch_size")
        let rows = try SwiftMoonsCAPI.count(n, "n")
        let out = try output(losses, try product(count, e, "losses"), "losses")
        guard lossLen == Int64(out.count) else {
            throw APIError(status: .badShape, message: "losses must hold n_nets x epochs = \(out.count) values, got \(lossLen)")
        }
        try withAll(list) { nets in
            let inW = nets[0].inputWidth, tW = nets[0].targetWidth
            guard d == Int64(inW) else { throw APIError(status: .badShape, message: "X must have \(inW) columns, got \(d)") }
            let xs = try input(x, try product(rows, inW, "X"), "X")
            guard yLen == Int64(rows * tW) else {
                throw APIError(status: .badShape, message: "y must hold \(rows * tW) values (n x \(tW)), got \(yLen)")
            }
            let ys = try input(y, rows * tW, "y")
            let rec = try recording(every: recordEvery, parameters: recordParams, evalX: evalX, evalN: evalN, evalY: evalY,
                                    inputWidth: inW, outputWidth: tW)
            // Train on a copy of the stream and commit it on success, or on
            // an interrupt (which leaves it after the epochs completed).
            var s = stream.state.withLock { $0 }
            // The losses go straight into the caller's buffer, epoch by
            // epoch: a caller waiting on `progress` reads them as they come.
            do {
                _ = try trainTogether(nets, xs, ys, rows: rows, epochs: e, learningRate: lr, batchSize: b,
                                      rng: &s, recording: rec, maxThreads: .max, progress: progress,
                                      lossesInto: out)
            } catch let stop as TrainingInterrupted {
                stream.state.withLock { $0 = s }
                throw stop
            }
            stream.state.withLock { $0 = s }
        }
    }
}

@_cdecl("sm_net_fit")
public func sm_net_fit(_ net: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                       _ y: UnsafePointer<Double>?, _ yLen: Int64, _ epochs: Int64, _ lr: Double, _ batchSize: Int64,
                       _ rng: OpaquePointer?, _ recordEvery: Int64, _ recordParams: Int32,
                       _ evalX: UnsafePointer<Double>?, _ evalN: Int64, _ evalY: UnsafePointer<Double>?,
                       _ losses: UnsafeMutablePointer<Double>?, _ lossLen: Int64, _ progress: OpaquePointer?) -> Int32 {
    var one: OpaquePointer? = net
    return withUnsafePointer(to: &one) {
        train($0, 1, x, n, d, y, yLen, epochs, lr, batchSize, rng, recordEvery, recordParams, evalX, evalN, evalY, losses,
              lossLen, progress)
    }
}

@_cdecl("sm_train_together")
public func sm_train_together(_ nets: UnsafePointer<OpaquePointer?>?, _ nNets: Int64,
                              _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                              _ y: UnsafePointer<Double>?, _ yLen: Int64, _ epochs: Int64, _ lr: Double, _ batchSize: Int64,
                              _ rng: OpaquePointer?, _ recordEvery: Int64, _ recordParams: Int32,
                              _ evalX: UnsafePointer<Double>?, _ evalN: Int64, _ evalY: UnsafePointer<Double>?,
                              _ losses: UnsafeMutablePointer<Double>?, _ lossLen: Int64, _ progress: OpaquePointer?) -> Int32 {
    train(nets, nNets, x, n, d, y, yLen, epochs, lr, batchSize, rng, recordEvery, recordParams, evalX, evalN, evalY, losses,
          lossLen, progress)
}

@_cdecl("sm_net_epochs_trained")
public func sm_net_epochs_trained(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    readNet(net, out) { Int64($0.epochsTrained) }
}

@_cdecl("sm_net_restore_training")
public func sm_net_restore_training(_ net: OpaquePointer?, _ epochsTrained: Int64, _ epochs: UnsafePointer<Int64>?,
                                    _ evalLoss: UnsafePointer<Double>?, _ evalAccuracy: UnsafePointer<Double>?,
                                    _ count: Int64, _ params: UnsafePointer<Double>?, _ paramsLen: Int64) -> Int32 {
    withNet(net) { n in
        let k = try SwiftMoonsCAPI.count(count, "count", allowZero: true)
        let plen = try SwiftMoonsCAPI.count(paramsLen, "params_len", allowZero: true)
        try checkAllocation(3 * k + plen, "The records")
        let records = TrainingRecords(epochs: try input(epochs, k, "epochs").map { Int($0) },
                                      evaluationLoss: Array(try input(evalLoss, k, "eval_loss")),
                                      evaluationAccuracy: Array(try input(evalAccuracy, k, "eval_accuracy")),
                                      parameters: Array(try input(params, plen, "params")))
        guard epochsTrained >= 0, epochsTrained <= Int64(Network.maxEpochsTrained) else {
            throw APIError(status: .badArgument, message: "epochs_trained must be >= 0, got \(epochsTrained)")
        }
        try n.restoreTraining(epochsTrained: Int(epochsTrained), records: records)
    }
}

@_cdecl("sm_net_record_count")
public func sm_net_record_count(_ net: OpaquePointer?, _ count: UnsafeMutablePointer<Int64>?,
                                _ hasParams: UnsafeMutablePointer<Int32>?) -> Int32 {
    withNet(net) { n in
        guard let count, let hasParams else { throw APIError(status: .badArgument, message: "count and has_params must not be NULL") }
        count.pointee = Int64(n.records.epochs.count)
        hasParams.pointee = n.records.parameters.isEmpty ? 0 : 1
    }
}

@_cdecl("sm_net_records")
public func sm_net_records(_ net: OpaquePointer?, _ epochs: UnsafeMutablePointer<Int64>?, _ evalLoss: UnsafeMutablePointer<Double>?,
                           _ evalAccuracy: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { n in
        let r = n.records
        guard len == Int64(r.epochs.count) else {
            throw APIError(status: .badShape, message: "The outputs must hold \(r.epochs.count) records, got \(len)")
        }
        let e = try output(epochs, r.epochs.count, "epochs")
        let l = try output(evalLoss, r.epochs.count, "eval_loss")
        let a = try output(evalAccuracy, r.epochs.count, "eval_accuracy")
        for i in 0..<r.epochs.count {
            e[i] = Int64(r.epochs[i]); l[i] = r.evaluationLoss[i]; a[i] = r.evaluationAccuracy[i]
        }
    }
}

@_cdecl("sm_net_recorded_params")
public func sm_net_recorded_params(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { n in
        let p = n.records.parameters
        _ = try sized(out, len, expected: p.count, "out").update(from: p)
    }
}

@_cdecl("sm_net_clear_records")
public func sm_net_clear_records(_ net: OpaquePointer?) -> Int32 {
    withNet(net) { $0.clearRecords() }
}

// MARK: - Sweeps

@_cdecl("sm_article_sweep")
public func sm_article_sweep(_ seeds: UnsafePointer<Int64>?, _ nSeeds: Int64,
                             _ names: UnsafePointer<UnsafePointer<CChar>?>?, _ alphas: UnsafePointer<Double>?,
                             _ nActivations: Int64, _ samples: Int64, _ noise: Double, _ dataSeed: Int64,
                             _ splitSeed: Int64, _ epochs: Int64, _ lr: Double, _ batchSize: Int64,
                             _ losses: UnsafeMutablePointer<Double>?, _ lossLen: Int64,
                             _ accuracy: UnsafeMutablePointer<Double>?, _ accuracyLen: Int64,
                             _ progress: OpaquePointer?) -> Int32 {
    guarded {
        let seedCount = try count(nSeeds, "n_seeds")
        try checkAllocation(seedCount, "The list of \(seedCount) seeds")
        let seedList = try input(seeds, seedCount, "seeds").map { Int($0) }
        let acts = try activations(names, alphas, nActivations)
        guard !acts.isEmpty else { throw APIError(status: .badArgument, message: "n_activations must be >= 1") }
        var settings = ArticleSettings()
        settings.samples = try count(samples, "n_samples")
        settings.noise = noise
        settings.dataSeed = Int(dataSeed)
        settings.splitSeed = Int(splitSeed)
        settings.epochs = try count(epochs, "epochs")
        settings.learningRate = lr
        settings.batchSize = try count(batchSize, "batch_size")
        let tasks = try product(seedList.count, acts.count, "tasks")
        let lossSize = try product(tasks, settings.epochs, "losses")
        guard lossLen == Int64(lossSize), accuracyLen == Int64(tasks) else {
            throw APIError(status: .badShape, message: "losses must hold \(lossSize) values and accuracy \(tasks), got \(lossLen) and \(accuracyLen)")
        }
        let lo = try output(losses, lossSize, "losses"), ao = try output(accuracy, tasks, "accuracy")
        try articleSweep(netSeeds: seedList, activations: acts, settings: settings, losses: lo, accuracy: ao,
                         progress: try progressOf(progress))
    }
}
