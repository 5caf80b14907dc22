#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fully connected network in the article's form: `z = a @ W + b` per layer,
/// one hidden activation, a sigmoid output, binary cross-entropy, plain SGD.
///
/// Parameters are stored flat in the order W1, b1, W2, b2, …; each `W` is
/// `fanIn x fanOut`, row-major, like the article's NumPy arrays. Scratch
/// buffers are allocated once per batch size and reused, so repeated calls
/// allocate nothing. A network is not safe to use from two threads at once.
public final class Network {
    /// Widths from input to output, e.g. `[2, 8, 8, 1]`.
    public let layerSizes: [Int]
    /// The hidden-layer activation; the output is always sigmoid.
    public let activation: Activation

    /// W1, b1, W2, b2, … flattened.
    @usableFromInline var params: [Double]
    @usableFromInline let weightOffsets: [Int]
    @usableFromInline let biasOffsets: [Int]

    // Scratch, laid out for `capacity` rows: z and a of every layer, then
    // the deltas of every layer, then one input-gradient buffer.
    private var work: [Double] = []
    private var capacity = 0
    private var zOffsets: [Int] = [], aOffsets: [Int] = [], dOffsets: [Int] = []
    private var daOffset = 0
    private var grads: [Double]

    /// Epochs trained by `fit` / `trainTogether` so far.
    public internal(set) var epochsTrained = 0
    /// What `fit` / `trainTogether` recorded when asked to (see `Recording`).
    public internal(set) var records = TrainingRecords()

    /// The rows processed at a time by `forward`, `hidden` and `trace`, so
    /// that scratch memory stays bounded for any number of samples.
    static let blockRows = 256

    /// The number of weight layers (`layerSizes.count - 1`).
    public var layerCount: Int { layerSizes.count - 1 }
    /// The number of input features.
    public var inputWidth: Int { layerSizes[0] }
    /// The number of outputs.
    public var outputWidth: Int { layerSizes[layerSizes.count - 1] }
    /// The total number of weights and biases.
    public var parameterCount: Int { params.count }
    /// The number of values in one signal trace: |z| and |a| for each hidden
    /// layer, then |z| of the output layer.
    public var traceLength: Int { 2 * layerCount - 1 }

    // MARK: - Creation

    /// A network with zero biases and weights drawn like the article: `randn`
    /// for W1, W2, … in order from `rng`, each scaled by the activation's
    /// `initScale(fanIn:)`. `rng` is left where the draws end.
    public init(layerSizes: [Int], activation: Activation, rng: inout RandomState) throws {
        let (w, b, count) = try Network.layout(layerSizes)
        self.layerSizes = layerSizes
        self.activation = activation
        weightOffsets = w
        biasOffsets = b
        params = [Double](repeating: 0, count: count)
        grads = [Double](repeating: 0, count: count)
        for l in 0..<(layerSizes.count - 1) {
            let fanIn = layerSizes[l], n = fanIn * layerSizes[l + 1]
            let scale = activation.initScale(fanIn: fanIn)
            for i in 0..<n { params[w[l] + i] = rng.gaussian() * scale }
        }
    }

    /// A network initialized like the article's constructor: a fresh stream
    /// seeded with `seed`, then the weights drawn from it.
    public convenience init(layerSizes: [Int] = [2, 8, 8, 1], activation: Activation, seed: Int) throws {
        var rng = try RandomState(seed: seed)
        try self.init(layerSizes: layerSizes, activation: activation, rng: &rng)
    }

    /// A network with the given flat parameters (W1, b1, W2, b2, …).
    public init<C: Collection>(layerSizes: [Int], activation: Activation, parameters: C) throws where C.Element == Double {
        let (w, b, count) = try Network.layout(layerSizes)
        guard parameters.count == count else {
            throw SwiftMoonsError.badShape("Layer sizes \(layerSizes) need \(count) parameters, got \(parameters.count)")
        }
        self.layerSizes = layerSizes
        self.activation = activation
        weightOffsets = w
        biasOffsets = b
        params = Array(parameters)
        grads = [Double](repeating: 0, count: count)
    }

    /// Offsets of each W and b in the flat parameter vector, and its length.
    static func layout(_ sizes: [Int]) throws -> ([Int], [Int], Int) {
        guard sizes.count >= 2 else {
            throw SwiftMoonsError.badArgument("A network needs at least 2 layer sizes (input and output), got \(sizes.count)")
        }
        guard sizes.count <= 1024 else {
            throw SwiftMoonsError.badArgument("At most 1024 layer sizes are supported, got \(sizes.count)")
        }
        if let bad = sizes.first(where: { $0 < 1 }) {
            throw SwiftMoonsError.badArgument("Layer sizes must be >= 1, got \(bad) in \(sizes)")
        }
        var w: [Int] = [], b: [Int] = [], total = 0
        for l in 0..<(sizes.count - 1) {
            let nw = try checkedCount(sizes[l], sizes[l + 1], what: "Weight matrix \(l + 1)")
            w.append(total)
            total = try checkedCount(1, total + nw, what: "The parameter vector")
            b.append(total)
            total = try checkedCount(1, total + sizes[l + 1], what: "The parameter vector")
        }
        return (w, b, total)
    }

    // MARK: - Parameters

    /// All parameters, flat: W1, b1, W2, b2, …
    public var parameters: [Double] { params }

    /// Replaces all parameters; nothing changes if the count is wrong.
    public func setParameters<C: Collection>(_ values: C) throws where C.Element == Double {
        guard values.count == params.count else {
            throw SwiftMoonsError.badShape("Expected \(params.count) parameters, got \(values.count)")
        }
        var i = 0
        for v in values { params[i] = v; i += 1 }
    }

    /// The shape (rows, columns) of the weights of `layer` (1-based).
    public func weightShape(layer: Int) throws -> (rows: Int, columns: Int) {
        try checkLayer(layer, hiddenOnly: false)
        return (layerSizes[layer - 1], layerSizes[layer])
    }

    /// The weights of `layer` (1-based), `fanIn x fanOut` row-major.
    public func weights(layer: Int) throws -> ArraySlice<Double> {
        let (r, c) = try weightShape(layer: layer)
        let o = weightOffsets[layer - 1]
        return params[o..<(o + r * c)]
    }

    /// The biases of `layer` (1-based), `fanOut` values.
    public func biases(layer: Int) throws -> ArraySlice<Double> {
        try checkLayer(layer, hiddenOnly: false)
        let o = biasOffsets[layer - 1]
        return params[o..<(o + layerSizes[layer])]
    }

    /// Replaces the weights of `layer`; nothing changes if the count is wrong.
    public func setWeights<C: Collection>(layer: Int, _ values: C) throws where C.Element == Double {
        let (r, c) = try weightShape(layer: layer)
        try replace(at: weightOffsets[layer - 1], count: r * c, with: values, what: "W\(layer) (\(r)x\(c))")
    }

    /// Replaces the biases of `layer`; nothing changes if the count is wrong.
    public func setBiases<C: Collection>(layer: Int, _ values: C) throws where C.Element == Double {
        try checkLayer(layer, hiddenOnly: false)
        try replace(at: biasOffsets[layer - 1], count: layerSizes[layer], with: values, what: "b\(layer) (1x\(layerSizes[layer]))")
    }

    private func replace<C: Collection>(at offset: Int, count: Int, with values: C, what: String) throws where C.Element == Double {
        guard values.count == count else {
            throw SwiftMoonsError.badShape("\(what) needs \(count) values, got \(values.count)")
        }
        var i = offset
        for v in values { params[i] = v; i += 1 }
    }

    private func checkLayer(_ layer: Int, hiddenOnly: Bool) throws {
        let last = hiddenOnly ? layerCount - 1 : layerCount
        guard layer >= 1, layer <= last else {
            let what = hiddenOnly ? "Hidden layer" : "Layer"
            throw SwiftMoonsError.badArgument(last >= 1
                ? "\(what) index must be in 1...\(last), got \(layer)"
                : "This network has no hidden layer (layer sizes \(layerSizes))")
        }
    }

    // MARK: - Shapes and scratch

    private func checkInput(count: Int, rows: Int) throws {
        guard rows >= 1 else { throw SwiftMoonsError.badArgument("The number of samples must be >= 1, got \(rows)") }
        let need = try checkedCount(rows, inputWidth, what: "The input")
        guard count == need else {
            throw SwiftMoonsError.badShape("X must have shape (\(rows), \(inputWidth)), got \(count) values")
        }
    }

    private func checkOutput(count: Int, rows: Int, width: Int, name: String) throws {
        let need = try checkedCount(rows, width, what: "The output")
        guard count == need else {
            throw SwiftMoonsError.badShape("\(name) must have shape (\(rows), \(width)), got \(count) values")
        }
    }

    /// Makes room for `rows` rows; allocates only when the batch grows.
    func reserve(rows: Int) throws {
        guard rows > capacity else { return }
        let widths = layerSizes.dropFirst()
        var total = 0
        zOffsets = []; aOffsets = []; dOffsets = []
        for w in widths {
            let n = try checkedCount(rows, w, what: "Scratch for \(rows) rows")
            zOffsets.append(total); total += n
            aOffsets.append(total); total += n
            dOffsets.append(total); total += n
        }
        daOffset = total
        total += try checkedCount(rows, layerSizes.max() ?? 1, what: "Scratch for \(rows) rows")
        _ = try checkedCount(1, total, what: "Scratch for \(rows) rows")
        work = [Double](repeating: 0, count: total)
        capacity = rows
    }

    // MARK: - Kernels (pointers stay inside; shapes were checked by the caller)

    /// z = input @ W + b, then a = act(z), for every layer, over `rows` rows.
    private func forwardKernel(_ x: UnsafePointer<Double>, rows: Int, through lastLayer: Int,
                               _ p: UnsafePointer<Double>, _ s: UnsafeMutablePointer<Double>) {
        var input = x
        for l in 0..<lastLayer {
            let fanIn = layerSizes[l], fanOut = layerSizes[l + 1]
            let w = p + weightOffsets[l], b = p + biasOffsets[l]
            let z = s + zOffsets[l], a = s + aOffsets[l]
            let isOutput = l == layerCount - 1
            for i in 0..<rows {
                let xi = input + i * fanIn, zi = z + i * fanOut, ai = a + i * fanOut
                for j in 0..<fanOut { zi[j] = 0 }
                for k in 0..<fanIn {
                    let xk = xi[k], wk = w + k * fanOut
                    for j in 0..<fanOut { zi[j] += xk * wk[j] }
                }
                for j in 0..<fanOut {
                    let zz = zi[j] + b[j]
                    zi[j] = zz
                    ai[j] = isOutput ? sigmoid(zz) : activation.apply(zz)
                }
            }
            input = UnsafePointer(a)
        }
    }

    func withInput<X: Collection, R>(_ x: X, _ body: (UnsafePointer<Double>) throws -> R) rethrows -> R where X.Element == Double {
        if let r = try x.withContiguousStorageIfAvailable({ buf -> R in
            guard let base = buf.baseAddress else { return try [0.0].withUnsafeBufferPointer { try body($0.baseAddress!) } }
            return try body(base)
        }) {
            return r
        }
        return try Array(x).withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    private func withOutput<O: MutableCollection, R>(_ out: inout O, _ body: (UnsafeMutablePointer<Double>) throws -> R) rethrows -> R where O.Element == Double {
        if let r = try out.withContiguousMutableStorageIfAvailable({ buf -> R in
            try body(buf.baseAddress!)
        }) {
            return r
        }
        var tmp = Array(out)
        let r = try tmp.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
        var i = out.startIndex
        for v in tmp { out[i] = v; out.formIndex(after: &i) }
        return r
    }

    /// Runs the layers up to `lastLayer` block by block and hands each block's
    /// scratch to `emit(firstRow, rowCount, scratch)`.
    private func blocks(_ x: UnsafePointer<Double>, rows: Int, through lastLayer: Int,
                        _ emit: (Int, Int, UnsafeMutablePointer<Double>) -> Void) throws {
        try reserve(rows: min(rows, Network.blockRows))
        let inW = inputWidth
        params.withUnsafeBufferPointer { p in
            work.withUnsafeMutableBufferPointer { s in
                var start = 0
                while start < rows {
                    let n = min(Network.blockRows, rows - start)
                    forwardKernel(x + start * inW, rows: n, through: lastLayer, p.baseAddress!, s.baseAddress!)
                    emit(start, n, s.baseAddress!)
                    start += n
                }
            }
        }
    }

    // MARK: - Forward

    /// The network's output for `rows` samples; `x` is `rows x inputWidth`,
    /// `out` is `rows x outputWidth`, both row-major.
    public func forward<X: Collection, O: MutableCollection>(_ x: X, rows: Int, into out: inout O) throws
    where X.Element == Double, O.Element == Double {
        try checkInput(count: x.count, rows: rows)
        try checkOutput(count: out.count, rows: rows, width: outputWidth, name: "The output")
        let w = outputWidth
        try withInput(x) { xp in
            try withOutput(&out) { op in
                try blocks(xp, rows: rows, through: layerCount) { start, n, s in
                    (op + start * w).update(from: s + self.aOffsets[self.layerCount - 1], count: n * w)
                }
            }
        }
    }

    /// The network's output for `rows` samples, as a new array.
    public func forward(_ x: [Double], rows: Int) throws -> [Double] {
        var out = [Double](repeating: 0, count: try checkedCount(max(rows, 0), outputWidth, what: "The output"))
        try forward(x, rows: rows, into: &out)
        return out
    }

    /// The activations of hidden `layer` (1-based), `rows x layerSizes[layer]`.
    public func hidden<X: Collection, O: MutableCollection>(layer: Int, _ x: X, rows: Int, into out: inout O) throws
    where X.Element == Double, O.Element == Double {
        try checkLayer(layer, hiddenOnly: true)
        try checkInput(count: x.count, rows: rows)
        let w = layerSizes[layer]
        try checkOutput(count: out.count, rows: rows, width: w, name: "The hidden output")
        try withInput(x) { xp in
            try withOutput(&out) { op in
                try blocks(xp, rows: rows, through: layer) { start, n, s in
                    (op + start * w).update(from: s + self.aOffsets[layer - 1], count: n * w)
                }
            }
        }
    }

    /// The layer-by-layer signal: mean |z1|, |a1|, |z2|, |a2|, …, |zL|.
    ///
    /// With `perSample`, one row of `traceLength` values per sample (each
    /// the mean over that layer's units); otherwise one row, the means over
    /// all samples and units (the article's `get_z_trace` on a batch).
    public func trace<X: Collection, O: MutableCollection>(_ x: X, rows: Int, perSample: Bool, into out: inout O) throws
    where X.Element == Double, O.Element == Double {
        try checkInput(count: x.count, rows: rows)
        let t = traceLength
        try checkOutput(count: out.count, rows: perSample ? rows : 1, width: t, name: "The trace")
        let widths = Array(layerSizes.dropFirst())
        var totals = [Double](repeating: 0, count: t)
        try withInput(x) { xp in
            try withOutput(&out) { op in
                try blocks(xp, rows: rows, through: layerCount) { start, n, s in
                    for i in 0..<n {
                        for stage in 0..<t {
                            let l = stage / 2, w = widths[l]
                            let base = s + (stage % 2 == 0 ? self.zOffsets[l] : self.aOffsets[l]) + i * w
                            // Summed the way NumPy sums, so that one sample
                            // matches np.abs(z).mean() exactly.
                            let sum = absPairwiseSum(base, w)
                            if perSample {
                                op[(start + i) * t + stage] = sum / Double(w)
                            } else {
                                totals[stage] += sum
                            }
                        }
                    }
                }
                if !perSample {
                    for stage in 0..<t { op[stage] = totals[stage] / Double(rows * widths[stage / 2]) }
                }
            }
        }
    }

    // MARK: - Training

    /// One SGD step on a batch, in the article's order: forward, BCE loss
    /// (with its +1e-9 inside the logs), all gradients from the current
    /// weights, then `p -= lr * g` for every parameter. Returns the loss
    /// before the update. `y` is `rows x outputWidth`.
    @discardableResult
    public func trainStep<X: Collection, Y: Collection>(_ x: X, _ y: Y, rows: Int, learningRate lr: Double) throws -> Double
    where X.Element == Double, Y.Element == Double {
        try checkInput(count: x.count, rows: rows)
        try checkOutput(count: y.count, rows: rows, width: outputWidth, name: "y")
        guard lr.isFinite else { throw SwiftMoonsError.badArgument("The learning rate must be finite, got \(lr)") }
        try reserve(rows: rows)
        return withInput(x) { xp in
            withInput(y) { yp in
                trainKernel(xp, yp, rows: rows, lr: lr)
            }
        }
    }

    func trainKernel(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, rows: Int, lr: Double) -> Double {
        let L = layerCount
        var loss = 0.0
        params.withUnsafeMutableBufferPointer { pb in
            grads.withUnsafeMutableBufferPointer { gb in
                work.withUnsafeMutableBufferPointer { sb in
                    let p = pb.baseAddress!, g = gb.baseAddress!, s = sb.baseAddress!
                    forwardKernel(x, rows: rows, through: L, p, s)

                    // Loss and the output delta. With a sigmoid output and BCE,
                    // dLoss/dz = (out - y) / n: the sigmoid's derivative cancels.
                    let wOut = outputWidth, count = rows * wOut
                    let out = s + aOffsets[L - 1], dOut = s + dOffsets[L - 1]
                    let terms = s + daOffset
                    for i in 0..<count {
                        let yi = y[i], o = out[i]
                        terms[i] = yi * log(o + 1e-9) + (1 - yi) * log(1 - o + 1e-9)
                        dOut[i] = (o - yi) / Double(rows)
                    }
                    loss = -(pairwiseSum(UnsafePointer(terms), count, 1) / Double(count))

                    for l in stride(from: L - 1, through: 0, by: -1) {
                        let fanIn = layerSizes[l], fanOut = layerSizes[l + 1]
                        let input = l == 0 ? x : UnsafePointer(s + aOffsets[l - 1])
                        let dz = s + dOffsets[l]
                        let gW = g + weightOffsets[l], gB = g + biasOffsets[l]
                        // gW = input^T @ dz; gB = column sums of dz.
                        for k in 0..<(fanIn * fanOut) { gW[k] = 0 }
                        for j in 0..<fanOut { gB[j] = 0 }
                        for i in 0..<rows {
                            let xi = input + i * fanIn, di = dz + i * fanOut
                            for k in 0..<fanIn {
                                let xk = xi[k], gk = gW + k * fanOut
                                for j in 0..<fanOut { gk[j] += xk * di[j] }
                            }
                            for j in 0..<fanOut { gB[j] += di[j] }
                        }
                        guard l > 0 else { continue }
                        // da = dz @ W^T, then dz of the layer below = da * act'.
                        let w = UnsafePointer(p + weightOffsets[l])
                        let zPrev = s + zOffsets[l - 1], aPrev = s + aOffsets[l - 1], dPrev = s + dOffsets[l - 1]
                        for i in 0..<rows {
                            let di = dz + i * fanOut
                            for k in 0..<fanIn {
                                let wk = w + k * fanOut
                                var acc = 0.0
                                for j in 0..<fanOut { acc += di[j] * wk[j] }
                                let idx = i * fanIn + k
                                dPrev[idx] = acc * activation.derivative(z: zPrev[idx], a: aPrev[idx])
                            }
                        }
                    }
                    for i in 0..<pb.count { p[i] -= lr * g[i] }
                }
            }
        }
        return loss
    }
}

/// Sum of |v| over `n` contiguous values, in NumPy's pairwise order.
@usableFromInline
func absPairwiseSum(_ v: UnsafePointer<Double>, _ n: Int) -> Double {
    // Widths are small (a layer's units); a stack-sized copy keeps it simple.
    withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { buf in
        for i in 0..<n { buf[i] = abs(v[i]) }
        return pairwiseSum(UnsafePointer(buf.baseAddress!), n, 1)
    }
}
