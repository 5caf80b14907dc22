// The sm_net_* functions of include/swiftmoons.h.

import SwiftMoons

/// Layer sizes from a C array, each in 1...Int32.max.
func layerSizes(_ sizes: UnsafePointer<Int64>?, _ n: Int64) throws -> [Int] {
    let count = try count(n, "n_layers")
    guard count <= 1024 else { throw APIError(status: .badArgument, message: "n_layers must be <= 1024, got \(n)") }
    return try input(sizes, count, "layer_sizes").map { v -> Int in
        guard v >= 1, v <= Int64(Int32.max) else {
            throw APIError(status: .badArgument, message: "Layer sizes must be in 1...\(Int32.max), got \(v)")
        }
        return Int(v)
    }
}

/// Registers the network `make` builds and stores its handle in `out`.
func create(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ make: () throws -> Network) -> Int32 {
    createHandle(out) { NetHandle(try make()) }
}

/// Looks up the network and runs `body` on it under its lock.
func withNet(_ net: OpaquePointer?, _ body: (Network) throws -> Void) -> Int32 {
    guarded {
        try lookup(net, as: NetHandle.self, "sm_net").with(body)
    }
}

/// Writes one value read off the network to `out` (the scalar getters).
func readNet<T>(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<T>?, _ value: (Network) -> T) -> Int32 {
    withNet(net) { n in
        guard let out else { throw APIError(status: .badArgument, message: "out is NULL") }
        out.pointee = value(n)
    }
}

/// The input `x` as an `n x width` buffer, after checking n and width.
func samples(_ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64, _ net: Network) throws -> (UnsafeBufferPointer<Double>, Int) {
    let rows = try count(n, "n")
    guard d == Int64(net.inputWidth) else {
        throw APIError(status: .badShape, message: "X must have \(net.inputWidth) columns, got \(d)")
    }
    return (try input(x, try product(rows, net.inputWidth, "X"), "X"), rows)
}

/// The targets of a batch of `rows` samples: `rows x targetWidth` values.
func targets(_ y: UnsafePointer<Double>?, _ yLen: Int64, rows: Int, _ net: Network) throws -> UnsafeBufferPointer<Double> {
    let need = try product(rows, net.targetWidth, "y")
    guard yLen == Int64(need) else {
        throw APIError(status: .badShape, message: "y must hold \(need) values (n x \(net.targetWidth)), got \(yLen)")
    }
    return try input(y, need, "y")
}

private func sized(_ out: UnsafeMutablePointer<Double>?, _ n: Int64, expected: Int, _ name: String) throws -> UnsafeMutableBufferPointer<Double> {
    guard n == Int64(expected) else {
        throw APIError(status: .badShape, message: "\(name) must hold \(expected) values, got \(n)")
    }
    return try output(out, expected, name)
}

@_cdecl("sm_net_create")
public func sm_net_create(_ sizes: UnsafePointer<Int64>?, _ nLayers: Int64, _ activation: UnsafePointer<CChar>?,
                          _ seed: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    create(out) {
        try Network(layerSizes: try layerSizes(sizes, nLayers), activation: try Activation(name: try string(activation, "activation")),
                    seed: Int(seed))
    }
}

@_cdecl("sm_net_create_with_rng")
public func sm_net_create_with_rng(_ sizes: UnsafePointer<Int64>?, _ nLayers: Int64, _ activation: UnsafePointer<CChar>?,
                                   _ rng: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    create(out) {
        let ls = try layerSizes(sizes, nLayers)
        let act = try Activation(name: try string(activation, "activation"))
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        return try h.state.withLock { s in
            // Draw from a copy and commit only on success: a failed create
            // leaves the caller's stream untouched.
            var copy = s
            let net = try Network(layerSizes: ls, activations: [act], rng: &copy)
            s = copy
            return net
        }
    }
}

@_cdecl("sm_net_create_from_params")
public func sm_net_create_from_params(_ sizes: UnsafePointer<Int64>?, _ nLayers: Int64, _ activation: UnsafePointer<CChar>?,
                                      _ params: UnsafePointer<Double>?, _ nParams: Int64,
                                      _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    create(out) {
        let ls = try layerSizes(sizes, nLayers)
        let act = try Activation(name: try string(activation, "activation"))
        return try Network(layerSizes: ls, activations: [act], parameters: try input(params, try count(nParams, "n_params"), "params"))
    }
}

@_cdecl("sm_net_clone")
public func sm_net_clone(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    create(out) { try lookup(net, as: NetHandle.self, "sm_net").with { try $0.copy() } }
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

@_cdecl("sm_net_free")
public func sm_net_free(_ net: OpaquePointer?) -> Int32 {
    freeHandle(net, as: NetHandle.self, "sm_net")
}

@_cdecl("sm_net_layer_count")
public func sm_net_layer_count(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    readNet(net, out) { Int64($0.layerSizes.count) }
}

@_cdecl("sm_net_layer_sizes")
public func sm_net_layer_sizes(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<Int64>?, _ len: Int64) -> Int32 {
    withNet(net) { n in
        guard len == Int64(n.layerSizes.count) else {
            throw APIError(status: .badShape, message: "out must hold \(n.layerSizes.count) sizes, got \(len)")
        }
        let o = try output(out, n.layerSizes.count, "out")
        for (i, s) in n.layerSizes.enumerated() { o[i] = Int64(s) }
    }
}

@_cdecl("sm_net_activation")
public func sm_net_activation(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    readNet(net, out) { name(of: $0.activation.kind) }
}

@_cdecl("sm_net_param_count")
public func sm_net_param_count(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    readNet(net, out) { Int64($0.parameterCount) }
}

@_cdecl("sm_net_get_params")
public func sm_net_get_params(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { n in
        let o = try sized(out, len, expected: n.parameterCount, "out")
        _ = o.update(from: n.parameters)
    }
}

@_cdecl("sm_net_set_params")
public func sm_net_set_params(_ net: OpaquePointer?, _ params: UnsafePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { n in
        guard len == Int64(n.parameterCount) else {
            throw APIError(status: .badShape, message: "params must hold \(n.parameterCount) values, got \(len)")
        }
        try n.setParameters(try input(params, n.parameterCount, "params"))
    }
}

@_cdecl("sm_net_get_weights")
public func sm_net_get_weights(_ net: OpaquePointer?, _ layer: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { n in
        let w = try n.weights(layer: Int(clamping: layer))
        _ = try sized(out, len, expected: w.count, "out").update(from: w)
    }
}

@_cdecl("sm_net_set_weights")
public func sm_net_set_weights(_ net: OpaquePointer?, _ layer: Int64, _ values: UnsafePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { n in
        let (r, c) = try n.weightShape(layer: Int(clamping: layer))
        guard len == Int64(r * c) else {
            throw APIError(status: .badShape, message: "W\(layer) must have shape (\(r), \(c)): \(r * c) values, got \(len)")
        }
        try n.setWeights(layer: Int(layer), try input(values, r * c, "values"))
    }
}

@_cdecl("sm_net_get_biases")
public func sm_net_get_biases(_ net: OpaquePointer?, _ layer: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { n in
        let b = try n.biases(layer: Int(clamping: layer))
        _ = try sized(out, len, expected: b.count, "out").update(from: b)
    }
}

@_cdecl("sm_net_set_biases")
public func sm_net_set_biases(_ net: OpaquePointer?, _ layer: Int64, _ values: UnsafePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { n in
        let c = try n.weightShape(layer: Int(clamping: layer)).columns
        guard len == Int64(c) else {
            throw APIError(status: .badShape, message: "b\(layer) must have shape (1, \(c)), got \(len) values")
        }
        try n.setBiases(layer: Int(layer), try input(values, c, "values"))
    }
}

@_cdecl("sm_net_forward")
public func sm_net_forward(_ net: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                           _ out: UnsafeMutablePointer<Double>?, _ len: Int64, _ progress: OpaquePointer?) -> Int32 {
    withNet(net) { net in
        let (xs, rows) = try samples(x, n, d, net)
        var o = try sized(out, len, expected: try product(rows, net.outputWidth, "out"), "out")
        try net.forward(xs, rows: rows, into: &o, progress: try progressOf(progress))
    }
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

@_cdecl("sm_net_hidden")
public func sm_net_hidden(_ net: OpaquePointer?, _ layer: Int64, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                          _ out: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { net in
        let hiddenCount = net.layerCount - 1
        guard layer >= 1, layer <= Int64(hiddenCount) else {
            throw APIError(status: .badArgument, message: "Hidden layer index must be in 1...\(hiddenCount), got \(layer)")
        }
        let (xs, rows) = try samples(x, n, d, net)
        var o = try sized(out, len, expected: try product(rows, net.layerSizes[Int(layer)], "out"), "out")
        try net.hidden(layer: Int(layer), xs, rows: rows, into: &o)
    }
}

@_cdecl("sm_net_pre_activation")
public func sm_net_pre_activation(_ net: OpaquePointer?, _ layer: Int64, _ x: UnsafePointer<Double>?, _ n: Int64,
                                  _ d: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { net in
        guard layer >= 1, layer <= Int64(net.layerCount) else {
            throw APIError(status: .badArgument, message: "Layer index must be in 1...\(net.layerCount), got \(layer)")
        }
        let (xs, rows) = try samples(x, n, d, net)
        var o = try sized(out, len, expected: try product(rows, net.layerSizes[Int(layer)], "out"), "out")
        try net.preActivations(layer: Int(layer), xs, rows: rows, into: &o)
    }
}

@_cdecl("sm_net_trace_length")
public func sm_net_trace_length(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    readNet(net, out) { Int64($0.traceLength) }
}

@_cdecl("sm_net_trace")
public func sm_net_trace(_ net: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                         _ perSample: Int32, _ out: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { net in
        let (xs, rows) = try samples(x, n, d, net)
        let need = try product(perSample != 0 ? rows : 1, net.traceLength, "out")
        var o = try sized(out, len, expected: need, "out")
        try net.trace(xs, rows: rows, perSample: perSample != 0, into: &o)
    }
}

// MARK: - Whole-run training

/// The recording options of sm_net_fit / sm_train_together, checked.
private func recording(every: Int64, parameters: Int32, evalX: UnsafePointer<Double>?, evalN: Int64,
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
private func withAll(_ handles: [NetHandle], _ body: ([Network]) throws -> Void) throws {
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

private func train(_ handles: UnsafePointer<OpaquePointer?>?, _ nNets: Int64, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
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
