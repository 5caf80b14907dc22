// The general network (any depth, activation per layer, output kind, init)
// and the activation family: the sm_mlp_*, sm_net_* diagnostics and
// sm_activation_* functions of include/swiftmoons.h.

import SwiftMoons

/// A static C string for each activation and output name.
func name(of kind: ActivationKind) -> UnsafePointer<CChar> {
    switch kind {
    case .identity: return cString("identity")
    case .sigmoid: return cString("sigmoid")
    case .tanh: return cString("tanh")
    case .relu: return cString("relu")
    case .leakyRelu: return cString("leaky_relu")
    case .prelu: return cString("prelu")
    case .elu: return cString("elu")
    case .gelu: return cString("gelu")
    case .geluTanh: return cString("gelu_tanh")
    case .swish: return cString("swish")
    case .softplus: return cString("softplus")
    }
}

func name(of output: OutputKind) -> UnsafePointer<CChar> {
    switch output {
    case .sigmoid: return cString("sigmoid")
    case .softmax: return cString("softmax")
    case .identity: return cString("identity")
    }
}

/// Activations from parallel C arrays of names and parameters (NaN or a
/// NULL array: the default parameter).
private func activations(_ names: UnsafePointer<UnsafePointer<CChar>?>?, _ alphas: UnsafePointer<Double>?,
                         _ n: Int64) throws -> [Activation] {
    let count = try count(n, "n_activations", allowZero: true)
    guard count <= 1024 else { throw APIError(status: .badArgument, message: "At most 1024 activations, got \(n)") }
    let list = try input(names, count, "activations")
    return try list.enumerated().map { i, p in
        let alpha = alphas.map { $0[i] }
        return try Activation(name: try string(p, "activations[\(i)]"), alpha: alpha.flatMap { $0.isNaN ? nil : $0 })
    }
}

@_cdecl("sm_mlp_create")
public func sm_mlp_create(_ sizes: UnsafePointer<Int64>?, _ nSizes: Int64,
                          _ names: UnsafePointer<UnsafePointer<CChar>?>?, _ alphas: UnsafePointer<Double>?, _ nActivations: Int64,
                          _ output: UnsafePointer<CChar>?, _ initName: UnsafePointer<CChar>?,
                          _ biasMode: Int32, _ biasA: Double, _ biasB: Double,
                          _ rng: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    create(out) {
        let ls = try layerSizes(sizes, nSizes)
        let acts = try activations(names, alphas, nActivations)
        let kind = try OutputKind(name: try string(output, "output"))
        let initializer = try Initializer(name: try string(initName, "init"))
        let bias: BiasInit
        switch biasMode {
        case 0: bias = .constant(biasA)
        case 1: bias = .normal(mean: biasA, std: biasB)
        default: throw APIError(status: .badArgument, message: "bias_mode must be 0 (constant) or 1 (normal), got \(biasMode)")
        }
        let h = try lookup(rng, as: RNGHandle.self, "sm_rng")
        return try h.state.withLock { s in
            var copy = s  // commit the draws only if creation succeeds
            let net = try Network(layerSizes: ls, activations: acts, output: kind, initializer: initializer,
                                  biasInit: bias, rng: &copy)
            s = copy
            return net
        }
    }
}

@_cdecl("sm_mlp_create_from_params")
public func sm_mlp_create_from_params(_ sizes: UnsafePointer<Int64>?, _ nSizes: Int64,
                                      _ names: UnsafePointer<UnsafePointer<CChar>?>?, _ alphas: UnsafePointer<Double>?,
                                      _ nActivations: Int64, _ output: UnsafePointer<CChar>?,
                                      _ params: UnsafePointer<Double>?, _ nParams: Int64,
                                      _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    create(out) {
        let ls = try layerSizes(sizes, nSizes)
        let acts = try activations(names, alphas, nActivations)
        let kind = try OutputKind(name: try string(output, "output"))
        let p = try input(params, try count(nParams, "n_params"), "params")
        return try Network(layerSizes: ls, activations: acts, output: kind, parameters: p)
    }
}

@_cdecl("sm_net_hidden_activation")
public func sm_net_hidden_activation(_ net: OpaquePointer?, _ layer: Int64, _ nameOut: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                     _ alpha: UnsafeMutablePointer<Double>?) -> Int32 {
    withNet(net) { n in
        guard layer >= 1, layer <= Int64(n.hiddenCount) else {
            throw APIError(status: .badArgument, message: "Hidden layer index must be in 1...\(n.hiddenCount), got \(layer)")
        }
        guard let nameOut, let alpha else { throw APIError(status: .badArgument, message: "name and alpha must not be NULL") }
        let act = n.activations[Int(layer) - 1]
        nameOut.pointee = name(of: act.kind)
        alpha.pointee = act.kind.defaultAlpha == nil ? .nan : act.alpha
    }
}

@_cdecl("sm_net_output")
public func sm_net_output(_ net: OpaquePointer?, _ nameOut: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                          _ targetWidth: UnsafeMutablePointer<Int64>?) -> Int32 {
    withNet(net) { n in
        guard let nameOut, let targetWidth else { throw APIError(status: .badArgument, message: "outputs must not be NULL") }
        nameOut.pointee = name(of: n.output)
        targetWidth.pointee = Int64(n.targetWidth)
    }
}

@_cdecl("sm_net_get_slopes")
public func sm_net_get_slopes(_ net: OpaquePointer?, _ layer: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64) -> Int32 {
    withNet(net) { n in
        guard let s = try n.slopes(layer: Int(clamping: layer)) else {
            throw APIError(status: .badArgument, message: "Hidden layer \(layer) is not a PReLU layer")
        }
        guard len == Int64(s.count) else {
            throw APIError(status: .badShape, message: "out must hold \(s.count) values, got \(len)")
        }
        _ = try output(out, s.count, "out").update(from: s)
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

@_cdecl("sm_net_firing_counts")
public func sm_net_firing_counts(_ net: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                                 _ out: UnsafeMutablePointer<Int64>?, _ len: Int64) -> Int32 {
    withNet(net) { net in
        let (xs, rows) = try samples(x, n, d, net)
        let units = net.layerSizes.dropFirst().dropLast().reduce(0, +)
        guard len == Int64(units) else { throw APIError(status: .badShape, message: "out must hold \(units) counts, got \(len)") }
        let o = try output(out, units, "out")
        for (i, c) in try net.firingCounts(xs, rows: rows).enumerated() { o[i] = Int64(c) }
    }
}

// MARK: - The activation family

@_cdecl("sm_activation_count")
public func sm_activation_count() -> Int32 { Int32(ActivationKind.allCases.count) }

@_cdecl("sm_activation_info")
public func sm_activation_info(_ index: Int32, _ nameOut: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                               _ defaultAlpha: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded {
        let all = ActivationKind.allCases
        guard index >= 0, Int(index) < all.count else {
            throw APIError(status: .badArgument, message: "index must be in 0...\(all.count - 1), got \(index)")
        }
        guard let nameOut, let defaultAlpha else { throw APIError(status: .badArgument, message: "outputs must not be NULL") }
        let kind = all[Int(index)]
        nameOut.pointee = name(of: kind)
        defaultAlpha.pointee = kind.defaultAlpha ?? .nan
    }
}

@_cdecl("sm_activation_evaluate")
public func sm_activation_evaluate(_ nameIn: UnsafePointer<CChar>?, _ alpha: Double, _ derivative: Int32,
                                   _ x: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<Double>?, _ n: Int64) -> Int32 {
    guarded {
        let act = try Activation(name: try string(nameIn, "name"), alpha: alpha.isNaN ? nil : alpha)
        let count = try count(n, "n", allowZero: true)
        let xs = try input(x, count, "x"), o = try output(out, count, "out")
        // The networks' own bulk path (the derivative from z and a = f(z), as
        // their backward pass takes it).
        if derivative != 0 {
            act.derivatives(of: xs, into: o)
        } else {
            act.values(of: xs, into: o)
        }
    }
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
        let result = try articleSweep(netSeeds: seedList, activations: acts, settings: settings,
                                      progress: try progressOf(progress))
        _ = lo.update(from: result.losses)
        _ = ao.update(from: result.accuracy)
    }
}
