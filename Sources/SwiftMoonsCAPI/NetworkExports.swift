// Networks: creating, copying and freeing them, their shape and parameters,
// and passes that change nothing (forward, hidden layers, traces).

import SwiftMoons

// MARK: - Helpers

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

func sized(_ out: UnsafeMutablePointer<Double>?, _ n: Int64, expected: Int, _ name: String) throws -> UnsafeMutableBufferPointer<Double> {
    guard n == Int64(expected) else {
        throw APIError(status: .badShape, message: "\(name) must hold \(expected) values, got \(n)")
    }
    return try output(out, expected, name)
}

// MARK: - Creation

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

@_cdecl("sm_net_clone")
public func sm_net_clone(_ net: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    create(out) { try lookup(net, as: NetHandle.self, "sm_net").with { try $0.copy() } }
}

@_cdecl("sm_net_free")
public func sm_net_free(_ net: OpaquePointer?) -> Int32 {
    freeHandle(net, as: NetHandle.self, "sm_net")
}

// MARK: - Shape and parameters

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

// MARK: - Passes

@_cdecl("sm_net_forward")
public func sm_net_forward(_ net: OpaquePointer?, _ x: UnsafePointer<Double>?, _ n: Int64, _ d: Int64,
                           _ out: UnsafeMutablePointer<Double>?, _ len: Int64, _ progress: OpaquePointer?) -> Int32 {
    withNet(net) { net in
        let (xs, rows) = try samples(x, n, d, net)
        var o = try sized(out, len, expected: try product(rows, net.outputWidth, "out"), "out")
        try net.forward(xs, rows: rows, into: &o, progress: try progressOf(progress))
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
