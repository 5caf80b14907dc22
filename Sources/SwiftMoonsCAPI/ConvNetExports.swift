// Convolutional networks: creating them from a compact layer description,
// their parameters, forward passes, loss and gradients, and whole-run
// training (include/swiftmoons.h, "Convolutional networks").

import SwiftMoons

/// A convolutional network behind an `sm_cnn *`.
typealias CNNHandle = LockedHandle<ConvNet>

/// Looks up the network and runs `body` on it under its lock.
func withCNN(_ cnn: OpaquePointer?, _ body: (ConvNet) throws -> Void) -> Int32 {
    guarded { try lookup(cnn, as: CNNHandle.self, "sm_cnn").with(body) }
}

/// Numbers per layer in `codes` (SM_CNN_CODES_PER_LAYER).
let codesPerLayer = 5

/// The layers from their codes (five per layer) and reals (one per layer).
func convLayers(_ codes: UnsafePointer<Int64>?, _ reals: UnsafePointer<Double>?, _ n: Int64) throws -> [ConvLayer] {
    let count = try count(n, "n_layers")
    guard count <= 4096 else { throw APIError(status: .badArgument, message: "n_layers must be <= 4096, got \(n)") }
    let c = try input(codes, try product(count, codesPerLayer, "codes"), "codes")
    let r = try input(reals, count, "reals")
    func size(_ v: Int64, _ what: String, _ i: Int, low: Int64 = 1) throws -> Int {
        guard v >= low, v <= Int64(Int32.max) else {
            throw APIError(status: .badArgument, message: "layers[\(i)]: \(what) must be in \(low)...\(Int32.max), got \(v)")
        }
        return Int(v)
    }
    return try (0..<count).map { i -> ConvLayer in
        let at = i * codesPerLayer
        switch c[at] {
        case 0:
            return .conv2D(channels: try size(c[at + 1], "channels", i), kernelSize: try size(c[at + 2], "kernel_size", i),
                           stride: try size(c[at + 3], "stride", i), padding: try size(c[at + 4], "padding", i, low: 0))
        case 1: return .maxPool2D(size: try size(c[at + 1], "size", i), stride: try size(c[at + 2], "stride", i))
        case 2: return .avgPool2D(size: try size(c[at + 1], "size", i), stride: try size(c[at + 2], "stride", i))
        case 3: return .flatten
        case 4: return .dense(units: try size(c[at + 1], "units", i))
        case 5:
            guard r[i] >= 0, r[i] < 1 else {
                throw APIError(status: .badArgument, message: "layers[\(i)]: Dropout rate must be in [0, 1), got \(r[i])")
            }
            return .dropout(rate: r[i])
        case 6:
            let kinds = ActivationKind.allCases
            guard c[at + 1] >= 0, c[at + 1] < Int64(kinds.count) else {
                throw APIError(status: .badArgument,
                               message: "layers[\(i)]: activation index must be in 0..<\(kinds.count), got \(c[at + 1])")
            }
            let kind = kinds[Int(c[at + 1])]
            do {
                return .activation(try Activation(name: kind.rawValue, alpha: r[i].isNaN ? nil : r[i]))
            } catch let e as SwiftMoonsError {
                throw APIError(status: .badArgument, message: "layers[\(i)]: \(e.message)")
            }
        default:
            throw APIError(status: .badArgument, message: "layers[\(i)]: unknown layer code \(c[at]) (0 ... 6)")
        }
    }
}

/// n samples of the network's sample size from x.
func cnnSamples(_ x: UnsafePointer<Double>?, _ n: Int64, _ sampleLen: Int64, _ net: ConvNet) throws -> (UnsafeBufferPointer<Double>, Int) {
    let rows = try count(n, "n")
    guard sampleLen == Int64(net.inputShape.count) else {
        throw APIError(status: .badShape,
                       message: "X's samples must have shape \(net.inputShape.dimensions) (\(net.inputShape.count) values), got \(sampleLen) values")
    }
    return (try input(x, try product(rows, net.inputShape.count, "X"), "X"), rows)
}

// MARK: - Creation

@_cdecl("sm_cnn_create")
public func sm_cnn_create(_ shape: UnsafePointer<Int64>?, _ nDims: Int64, _ codes: UnsafePointer<Int64>?,
                          _ reals: UnsafePointer<Double>?, _ nLayers: Int64, _ seed: Int64, _ initName: UnsafePointer<CChar>?,
                          _ dropoutSeed: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    createHandle(out) {
        guard nDims == 1 || nDims == 3 else {
            throw APIError(status: .badShape, message: "input_shape must be (C, H, W) or (D,): n_dims 1 or 3, got \(nDims)")
        }
        let dims = try input(shape, Int(nDims), "input_shape").map { v -> Int in
            guard v >= 1, v <= Int64(Int32.max) else {
                throw APIError(status: .badArgument, message: "input_shape's sizes must be in 1...\(Int32.max), got \(v)")
            }
            return Int(v)
        }
        let name = try string(initName, "init")
        guard let initializer = Initializer(rawValue: name), ConvNet.initializers.contains(initializer) else {
            throw APIError(status: .badArgument,
                           message: "init must be one of \(ConvNet.initializers.map(\.rawValue)), got \"\(name)\"")
        }
        guard dropoutSeed >= -1 else {
            throw APIError(status: .badArgument, message: "dropout_seed must be -1 (the default) or in 0...2**32 - 1, got \(dropoutSeed)")
        }
        return CNNHandle(try ConvNet(inputShape: dims, layers: try convLayers(codes, reals, nLayers), seed: Int(seed),
                                     initializer: initializer, dropoutSeed: dropoutSeed == -1 ? nil : Int(dropoutSeed)))
    }
}

@_cdecl("sm_cnn_free")
public func sm_cnn_free(_ cnn: OpaquePointer?) -> Int32 { freeHandle(cnn, as: CNNHandle.self, "sm_cnn") }

// MARK: - Parameters

@_cdecl("sm_cnn_param_count")
public func sm_cnn_param_count(_ cnn: OpaquePointer?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    withCNN(cnn) { net in
        guard let out else { throw APIError(status: .badArgument, message: "out is NULL") }
        out.pointee = Int64(net.parameterCount)
    }
}

@_cdecl("sm_cnn_get_params")
public func sm_cnn_get_params(_ cnn: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withCNN(cnn) { net in
        let o = try sized(out, len, expected: net.parameterCount, "out")
        _ = o.update(fromContentsOf: net.parameters)
    }
}

@_cdecl("sm_cnn_set_params")
public func sm_cnn_set_params(_ cnn: OpaquePointer?, _ params: UnsafePointer<Double>?, _ len: Int64) -> Int32 {
    withCNN(cnn) { net in
        guard len == Int64(net.parameterCount) else {
            throw APIError(status: .badShape, message: "params must hold \(net.parameterCount) values, got \(len)")
        }
        try net.setParameters(Array(try input(params, net.parameterCount, "params")))
    }
}

// MARK: - Passes

@_cdecl("sm_cnn_get_streams")
public func sm_cnn_get_streams(_ cnn: OpaquePointer?, _ shuffle: OpaquePointer?, _ dropout: OpaquePointer?) -> Int32 {
    withCNN(cnn) { net in
        let s = try lookup(shuffle, as: RNGHandle.self, "sm_rng (shuffle)")
        let d = try lookup(dropout, as: RNGHandle.self, "sm_rng (dropout)")
        s.state.withLock { $0 = net.rng }
        d.state.withLock { $0 = net.dropoutRng }
    }
}

@_cdecl("sm_cnn_set_streams")
public func sm_cnn_set_streams(_ cnn: OpaquePointer?, _ shuffle: OpaquePointer?, _ dropout: OpaquePointer?) -> Int32 {
    withCNN(cnn) { net in
        let s = try lookup(shuffle, as: RNGHandle.self, "sm_rng (shuffle)")
        let d = try lookup(dropout, as: RNGHandle.self, "sm_rng (dropout)")
        net.setStreams(rng: s.state.withLock { $0 }, dropoutRng: d.state.withLock { $0 })
    }
}

@_cdecl("sm_cnn_forward")
public func sm_cnn_forward(_ cnn: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ sampleLen: Int64,
                           _ probabilities: Int32, _ out: UnsafeMutablePointer<Double>?, _ len: Int64,
                           _ progress: OpaquePointer?) -> Int32 {
    withCNN(cnn) { net in
        let (xs, rows) = try cnnSamples(x, n, sampleLen, net)
        let o = try sized(out, len, expected: try product(rows, net.classes, "out"), "out")
        try net.forward(xs, rows: rows, into: o, probabilities: probabilities != 0, progress: try progressOf(progress))
    }
}

@_cdecl("sm_cnn_evaluate")
public func sm_cnn_evaluate(_ cnn: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ sampleLen: Int64,
                            _ y: UnsafePointer<Int64>?, _ loss: UnsafeMutablePointer<Double>?,
                            _ accuracy: UnsafeMutablePointer<Double>?, _ progress: OpaquePointer?) -> Int32 {
    withCNN(cnn) { net in
        let (xs, rows) = try cnnSamples(x, n, sampleLen, net)
        guard let loss else { throw APIError(status: .badArgument, message: "loss is NULL") }
        let scored = try net.evaluate(xs, rows: rows, labels: try input(y, rows, "y"), progress: try progressOf(progress))
        loss.pointee = scored.loss
        accuracy?.pointee = scored.accuracy
    }
}

@_cdecl("sm_cnn_gradients")
public func sm_cnn_gradients(_ cnn: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ sampleLen: Int64,
                             _ y: UnsafePointer<Int64>?, _ masks: UnsafePointer<Double>?, _ maskLen: Int64,
                             _ loss: UnsafeMutablePointer<Double>?, _ grad: UnsafeMutablePointer<Double>?,
                             _ gradLen: Int64) -> Int32 {
    withCNN(cnn) { net in
        let (xs, rows) = try cnnSamples(x, n, sampleLen, net)
        guard let loss else { throw APIError(status: .badArgument, message: "loss is NULL") }
        let g = try sized(grad, gradLen, expected: net.parameterCount, "grad")
        let m = masks == nil ? nil : try input(masks, try count(maskLen, "mask_len", allowZero: true), "masks")
        loss.pointee = try net.gradients(xs, rows: rows, labels: try input(y, rows, "y"), masks: m, into: g)
    }
}

@_cdecl("sm_cnn_fit")
public func sm_cnn_fit(_ cnn: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ sampleLen: Int64,
                       _ y: UnsafePointer<Int64>?, _ xVal: UnsafePointer<Double>?, _ nVal: Int64,
                       _ yVal: UnsafePointer<Int64>?, _ epochs: Int64, _ lr: Double, _ batchSize: Int64, _ optimizer: Int32,
                       _ momentum: Double, _ nesterov: Int32, _ beta1: Double, _ beta2: Double, _ epsilon: Double,
                       _ shuffle: Int32, _ history: UnsafeMutablePointer<Double>?, _ historyLen: Int64,
                       _ progress: OpaquePointer?) -> Int32 {
    withCNN(cnn) { net in
        let (xs, rows) = try cnnSamples(x, n, sampleLen, net)
        let e = try count(epochs, "epochs", allowZero: true)
        let solver: ConvOptimizer
        switch optimizer {
        case 0: solver = .sgd(momentum: momentum, nesterov: nesterov != 0)
        case 1: solver = .adam(beta1: beta1, beta2: beta2, epsilon: epsilon)
        default: throw APIError(status: .badArgument, message: "optimizer must be 0 (sgd) or 1 (adam), got \(optimizer)")
        }
        var validation: (x: UnsafeBufferPointer<Double>, rows: Int, labels: UnsafeBufferPointer<Int64>)?
        if nVal != 0 || xVal != nil {
            let vRows = try count(nVal, "n_val")
            let vx = try input(xVal, try product(vRows, net.inputShape.count, "x_val"), "x_val")
            validation = (vx, vRows, try input(yVal, vRows, "y_val"))
        }
        let h = try sized(history, historyLen, expected: try product(e, ConvEpoch.fieldCount, "history"), "history")
        try net.fit(xs, rows: rows, labels: try input(y, rows, "y"), epochs: e, learningRate: lr,
                    batchSize: try count(batchSize, "batch_size"), optimizer: solver, shuffle: shuffle != 0,
                    validation: validation, history: h, progress: try progressOf(progress))
    }
}
