#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fully connected network: `z = a @ W + b` per layer, an activation per
/// hidden layer, an output kind with its loss (sigmoid + BCE as in the
/// article, softmax + cross-entropy, identity + MSE), plain SGD.
///
/// Parameters are stored flat, layer by layer: W_k (`fanIn x fanOut`,
/// row-major, like the article's NumPy arrays), b_k, and for a PReLU layer
/// its learned slopes (one per unit). Scratch buffers are allocated once per
/// batch size and reused, so repeated calls allocate nothing. A network is
/// not safe to use from two threads at once.
public final class Network {
    /// Widths from input to output, e.g. `[2, 8, 8, 1]`.
    public let layerSizes: [Int]
    /// One activation per hidden layer.
    public let activations: [Activation]
    /// The output layer and its loss.
    public let output: OutputKind

    @usableFromInline var params: [Double]
    @usableFromInline let weightOffsets: [Int]
    @usableFromInline let biasOffsets: [Int]
    /// Offsets of each hidden layer's PReLU slopes, or -1.
    @usableFromInline let slopeOffsets: [Int]
    /// The layers, input to output (see Layer.swift).
    let layers: [DenseLayer]

    private var grads: [Double]
    // Column-major scratch for training (see ColumnKernels.swift).
    var columnLayout: ColumnLayout?
    var columnWork: [Double] = []

    /// Epochs trained by `fit` / `trainTogether` so far.
    public internal(set) var epochsTrained = 0
    /// What `fit` / `trainTogether` recorded when asked to (see `Recording`).
    public internal(set) var records = TrainingRecords()

    /// The rows processed at a time by `forward`, `hidden` and `trace`, so
    /// that scratch memory stays bounded for any number of samples: 64 keeps
    /// the article's layers in the first-level cache (256 spilled out of it
    /// and ran a third slower). Wide networks take fewer rows at a time, so
    /// that a block's scratch stays near `blockBudget` values (down to one
    /// row, which needs what it needs).
    static let blockRows = 64
    static let blockBudget = 1 << 19

    /// The rows of one forward block for this network.
    var forwardBlockRows: Int {
        let perRow = max(1, ColumnLayout.forwardValuesPerRow(layerSizes))
        return max(1, min(Network.blockRows, Network.blockBudget / perRow))
    }

    /// The scratch layout of forward passes over `rows` samples.
    func forwardLayout(rows: Int) throws -> ColumnLayout {
        let c = try ColumnLayout(sizes: layerSizes, rows: min(rows, forwardBlockRows), targetWidth: targetWidth,
                                 forwardOnly: true)
        try checkAllocation(c.total, "A forward pass's scratch (\(c.stride) rows of layers \(layerSizes))")
        return c
    }

    /// The number of weight layers (`layerSizes.count - 1`).
    public var layerCount: Int { layerSizes.count - 1 }
    /// The number of hidden layers.
    public var hiddenCount: Int { layerSizes.count - 2 }
    /// The number of input features.
    public var inputWidth: Int { layerSizes[0] }
    /// The number of outputs.
    public var outputWidth: Int { layerSizes[layerSizes.count - 1] }
    /// Targets per sample: 1 (a class index) for softmax, else `outputWidth`.
    public var targetWidth: Int { output.targetWidth(outputs: outputWidth) }
    /// The total number of parameters (weights, biases, PReLU slopes).
    public var parameterCount: Int { params.count }
    /// The number of values in one signal trace: |z| and |a| for each hidden
    /// layer, then |z| of the output layer.
    public var traceLength: Int { 2 * layerCount - 1 }
    /// The article's single activation: the first hidden layer's.
    public var activation: Activation { activations.first ?? .identity }

    // MARK: - Creation

    /// A network with weights drawn from `rng` as the article draws them:
    /// W1, W2, … in order (`randn` scaled per `initializer`, or uniform for
    /// Glorot), then normal biases if asked for; `rng` is left where the
    /// draws end. `activations` holds one activation for every hidden layer,
    /// or a single one for all.
    public convenience init(layerSizes: [Int], activations: [Activation], output: OutputKind = .sigmoid,
                            initializer: Initializer = .auto, biasInit: BiasInit = .constant(0),
                            rng: inout RandomState) throws {
        let acts = try Network.expand(activations, sizes: layerSizes)
        let (w, b, s, count) = try Network.layout(layerSizes, acts)
        if case .normal(let mean, let std) = biasInit, !(mean.isFinite && std.isFinite && std >= 0) {
            throw SwiftMoonsError.badArgument("bias_init needs a finite mean and std >= 0, got (\(mean), \(std))")
        }
        if case .constant(let c) = biasInit, !c.isFinite {
            throw SwiftMoonsError.badArgument("bias_init must be finite, got \(c)")
        }
        try Network.checkOutput(output, width: layerSizes.last ?? 1)
        try checkAllocation(2 * count, "A network of layer sizes \(layerSizes) (its parameters and their gradients)")
        var params = [Double](repeating: 0, count: count)
        initializer.draw(into: &params, sizes: layerSizes, activations: acts, weights: w, biases: b, slopes: s,
                         biasInit: biasInit, rng: &rng)
        self.init(checked: layerSizes, acts, output, (w, b, s), params)
    }

    /// A network initialized like the article's constructor: a fresh stream
    /// seeded with `seed`, then the weights drawn from it (sigmoid output,
    /// "auto" init, zero biases).
    public convenience init(layerSizes: [Int] = [2, 8, 8, 1], activation: Activation, seed: Int) throws {
        var rng = try RandomState(seed: seed)
        try self.init(layerSizes: layerSizes, activations: [activation], rng: &rng)
    }

    /// A network with the given flat parameters (see the type's layout).
    public convenience init<C: Collection>(layerSizes: [Int], activations: [Activation], output: OutputKind = .sigmoid,
                                           parameters: C) throws where C.Element == Double {
        let acts = try Network.expand(activations, sizes: layerSizes)
        let (w, b, s, count) = try Network.layout(layerSizes, acts)
        guard parameters.count == count else {
            throw SwiftMoonsError.badShape("Layer sizes \(layerSizes) need \(count) parameters, got \(parameters.count)")
        }
        try Network.checkOutput(output, width: layerSizes.last ?? 1)
        try checkAllocation(2 * count, "A network of layer sizes \(layerSizes) (its parameters and their gradients)")
        self.init(checked: layerSizes, acts, output, (w, b, s), Array(parameters))
    }

    /// A network from arguments its public initializers checked: sizes,
    /// one activation per hidden layer, the parameter layout and the
    /// parameters themselves.
    private init(checked layerSizes: [Int], _ acts: [Activation], _ output: OutputKind,
                 _ offsets: (weights: [Int], biases: [Int], slopes: [Int]), _ params: [Double]) {
        self.layerSizes = layerSizes
        self.activations = acts
        self.output = output
        weightOffsets = offsets.weights; biasOffsets = offsets.biases; slopeOffsets = offsets.slopes
        layers = Network.denseLayers(layerSizes, acts, offsets.weights, offsets.biases, offsets.slopes)
        self.params = params
        grads = [Double](repeating: 0, count: params.count)
    }

    /// An independent copy: the same layers, parameters, epochs trained and
    /// records; training one never touches the other.
    public func copy() throws -> Network {
        try checkAllocation(2 * params.count + records.parameters.count, "A copy of a network of layer sizes \(layerSizes)")
        let twin = try Network(layerSizes: layerSizes, activations: activations, output: output, parameters: params)
        twin.epochsTrained = epochsTrained
        twin.records = records
        return twin
    }

    /// The most epochs a network may count (2^53, exact as a float: a saved
    /// file's JSON holds it); training past it is refused.
    public static let maxEpochsTrained = 1 << 53

    /// Restores what training left on a network (as a saved file holds it):
    /// the epochs trained and the records. Nothing changes if they do not fit
    /// this network (recorded parameters must come in whole blocks of
    /// `parameterCount`, one per record, or not at all).
    public func restoreTraining(epochsTrained epochs: Int, records r: TrainingRecords) throws {
        guard epochs >= 0, epochs <= Network.maxEpochsTrained else {
            throw SwiftMoonsError.badArgument("epochs_trained must be in 0...\(Network.maxEpochsTrained), got \(epochs)")
        }
        let k = r.epochs.count
        guard r.evaluationLoss.count == k, r.evaluationAccuracy.count == k else {
            throw SwiftMoonsError.badShape("Each record needs an epoch, a loss and an accuracy; got \(k), \(r.evaluationLoss.count) and \(r.evaluationAccuracy.count)")
        }
        guard r.parameters.isEmpty || r.parameters.count == k * params.count else {
            throw SwiftMoonsError.badShape("Recorded parameters must hold \(k) x \(params.count) values, got \(r.parameters.count)")
        }
        if let bad = r.epochs.first(where: { $0 < 0 || $0 > epochs }) {
            throw SwiftMoonsError.badArgument("Record epochs must be in 0...\(epochs) (the epochs trained), got \(bad)")
        }
        epochsTrained = epochs
        records = r
    }

    private static func checkOutput(_ output: OutputKind, width: Int) throws {
        if output == .softmax, width < 2 {
            throw SwiftMoonsError.badArgument("A softmax output needs at least 2 units, got \(width)")
        }
    }

    /// One activation per hidden layer from a list of one or of that many.
    private static func expand(_ acts: [Activation], sizes: [Int]) throws -> [Activation] {
        let hidden = max(sizes.count - 2, 0)
        if acts.count == hidden { return acts }
        if acts.count == 1 { return Array(repeating: acts[0], count: hidden) }
        throw SwiftMoonsError.badArgument("Give one activation for all hidden layers or one per hidden layer (\(hidden)), got \(acts.count)")
    }

    /// The dense layers of these sizes and parameter offsets.
    private static func denseLayers(_ sizes: [Int], _ acts: [Activation], _ w: [Int], _ b: [Int], _ s: [Int]) -> [DenseLayer] {
        (0..<(sizes.count - 1)).map { l in
            let hidden = l < sizes.count - 2
            return DenseLayer(fanIn: sizes[l], fanOut: sizes[l + 1], activation: hidden ? acts[l] : nil,
                              weights: w[l], biases: b[l], slopes: hidden && s[l] >= 0 ? s[l] : nil)
        }
    }

    /// Offsets of each W, b and PReLU slope vector, and the total length.
    static func layout(_ sizes: [Int], _ acts: [Activation]) throws -> ([Int], [Int], [Int], Int) {
        guard sizes.count >= 2 else {
            throw SwiftMoonsError.badArgument("A network needs at least 2 layer sizes (input and output), got \(sizes.count)")
        }
        guard sizes.count <= 1024 else {
            throw SwiftMoonsError.badArgument("At most 1024 layer sizes are supported, got \(sizes.count)")
        }
        if let bad = sizes.first(where: { $0 < 1 }) {
            throw SwiftMoonsError.badArgument("Layer sizes must be >= 1, got \(bad) in \(sizes)")
        }
        var w: [Int] = [], b: [Int] = [], s: [Int] = [], total = 0
        for l in 0..<(sizes.count - 1) {
            let nw = try checkedCount(sizes[l], sizes[l + 1], what: "Weight matrix \(l + 1)")
            w.append(total)
            total = try checkedCount(1, total + nw, what: "The parameter vector")
            b.append(total)
            total = try checkedCount(1, total + sizes[l + 1], what: "The parameter vector")
            if l < sizes.count - 2 {
                if acts[l].kind == .prelu {
                    s.append(total)
                    total = try checkedCount(1, total + sizes[l + 1], what: "The parameter vector")
                } else {
                    s.append(-1)
                }
            }
        }
        return (w, b, s, total)
    }

    // MARK: - Parameters

    /// All parameters, flat (see the type's layout).
    public var parameters: [Double] { params }

    /// Replaces all parameters; nothing changes if the count is wrong.
    public func setParameters<C: Collection>(_ values: C) throws where C.Element == Double {
        guard values.count == params.count else {
            throw SwiftMoonsError.badShape("Expected \(params.count) parameters, got \(values.count)")
        }
        try replace(at: 0, count: params.count, with: values, what: "The parameters")
    }

    /// Copies the parameters into `out` (of `parameterCount` values).
    func copyParameters(into out: UnsafeMutableBufferPointer<Double>) {
        _ = out.update(from: params)
    }

    /// Puts back parameters saved by `copyParameters` (same count).
    func setParametersUnchecked(_ values: [Double]) {
        params.withUnsafeMutableBufferPointer { p in
            values.withUnsafeBufferPointer { v in p.baseAddress!.update(from: v.baseAddress!, count: min(p.count, v.count)) }
        }
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

    /// The learned PReLU slopes of hidden `layer`, or nil if it is not PReLU.
    public func slopes(layer: Int) throws -> ArraySlice<Double>? {
        try checkLayer(layer, hiddenOnly: true)
        let o = slopeOffsets[layer - 1]
        return o < 0 ? nil : params[o..<(o + layerSizes[layer])]
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
        // A contiguous source (a C buffer, an array) is one block copy.
        let copied: Void? = values.withContiguousStorageIfAvailable { source in
            params.withUnsafeMutableBufferPointer { p in
                if let from = source.baseAddress, let to = p.baseAddress { (to + offset).update(from: from, count: count) }
            }
        }
        if copied == nil {
            var i = offset
            for v in values { params[i] = v; i += 1 }
        }
    }

    func checkLayer(_ layer: Int, hiddenOnly: Bool) throws {
        let last = hiddenOnly ? layerCount - 1 : layerCount
        guard layer >= 1, layer <= last else {
            let what = hiddenOnly ? "Hidden layer" : "Layer"
            throw SwiftMoonsError.badArgument(last >= 1
                ? "\(what) index must be in 1...\(last), got \(layer)"
                : "This network has no hidden layer (layer sizes \(layerSizes))")
        }
    }

    // MARK: - Shapes and scratch

    func checkInput(count: Int, rows: Int) throws {
        guard rows >= 1 else { throw SwiftMoonsError.badArgument("The number of samples must be >= 1, got \(rows)") }
        let need = try checkedCount(rows, inputWidth, what: "The input")
        guard count == need else {
            throw SwiftMoonsError.badShape("X must have shape (\(rows), \(inputWidth)), got \(count) values")
        }
    }

    func checkOutput(count: Int, rows: Int, width: Int, name: String) throws {
        let need = try checkedCount(rows, width, what: "The output")
        guard count == need else {
            throw SwiftMoonsError.badShape("\(name) must have shape (\(rows), \(width)), got \(count) values")
        }
    }

    /// Checks targets against what the output's loss accepts, the one rule
    /// of every entry point: class indices 0..<outputWidth for softmax,
    /// values in [0, 1] for sigmoid (binary cross-entropy's targets: labels
    /// 0 and 1, or soft labels between), finite values for identity.
    func checkTargets<Y: Collection>(_ y: Y, rows: Int, name: String = "y") throws where Y.Element == Double {
        try checkOutput(count: y.count, rows: rows, width: targetWidth, name: name)
        let valid: (Double) -> Bool, expected: String
        switch output {
        case .softmax:
            let k = Double(outputWidth)
            valid = { $0 >= 0 && $0 < k && $0.rounded() == $0 }
            expected = "class indices 0...\(outputWidth - 1) for a softmax output of \(outputWidth) units"
        case .sigmoid:
            valid = { $0 >= 0 && $0 <= 1 }
            expected = "values in [0, 1] (labels 0 and 1) for a sigmoid output"
        case .identity:
            valid = { $0.isFinite }
            expected = "finite values for an identity output"
        }
        var i = 0
        for v in y {
            if !valid(v) {
                throw SwiftMoonsError.badArgument("\(name) must hold \(expected); \(name) has \(v) at index \(i)")
            }
            i += 1
        }
    }

    /// Checks that every input value is finite (NaN or infinity would reach
    /// the weights through the gradients).
    func checkFinite<X: Collection>(_ x: X, name: String = "X") throws where X.Element == Double {
        try checkFiniteRows(x, width: inputWidth, name: name)
    }

    /// The learning rate rule of every training entry point: finite and >= 0.
    /// A negative rate climbs the loss instead of descending it: almost
    /// always a typo, and never SGD, so it is refused; 0 is allowed (the
    /// step then only measures the loss).
    static func checkLearningRate(_ lr: Double) throws {
        guard lr.isFinite, lr >= 0 else {
            throw SwiftMoonsError.badArgument("lr must be a finite number >= 0, got \(lr)")
        }
    }

    /// Makes room for training batches of `rows` rows (unit-major scratch, see
    /// ColumnKernels.swift); allocates only when the batch grows.
    func reserve(rows: Int) throws {
        if let c = columnLayout, c.stride >= rows { return }
        let c = try ColumnLayout(sizes: layerSizes, rows: rows, targetWidth: targetWidth)
        try checkAllocation(c.total, "Training scratch for batches of \(rows) rows of layers \(layerSizes)")
        columnWork = [Double](repeating: 0, count: c.total)
        columnLayout = c
    }

    // MARK: - Kernels (pointers stay inside; shapes were checked by the caller)

    /// One SGD step on a batch of `rows` rows; returns the loss before it.
    func trainKernel(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, rows: Int, lr: Double) -> Double {
        step(rows: rows, lr: lr) { _, _, _ in (x, y) }
    }

    /// One SGD step whose batch `gather` writes straight into the input and
    /// target columns (`stride` apart, samples past `rows` set to 0), as
    /// whole-run training does: no row-major copy of the batch in between.
    func trainGathered(rows: Int, lr: Double,
                       _ gather: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void) -> Double {
        step(rows: rows, lr: lr) { input, targets, stride in
            gather(input, targets, stride)
            return (nil, nil)
        }
    }

    /// Gradients, then `p -= lr * g`. `batch` either fills the columns and
    /// returns nils, or returns row-major x and y to convert.
    private func step(rows: Int, lr: Double,
                      _ batch: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, Int)
                          -> (UnsafePointer<Double>?, UnsafePointer<Double>?)) -> Double {
        // Every caller reserves first; a missing layout would give a NaN loss, not a trap.
        guard let c = columnLayout, c.stride >= rows else { return .nan }
        var loss = 0.0
        params.withUnsafeMutableBufferPointer { pb in
            grads.withUnsafeMutableBufferPointer { gb in
                columnWork.withUnsafeMutableBufferPointer { sb in
                    let p = pb.baseAddress!, g = gb.baseAddress!, s = sb.baseAddress!
                    let (x, y) = batch(s + c.input, s + c.targets, ColumnLayout.stride(rows: rows))
                    loss = columnGradients(x, y, rows: rows, UnsafePointer(p), g, s, c)
                    var i = 0
                    let rate = Vec4(repeating: lr)
                    while i + 4 <= pb.count { store4(p + i, load4(p + i) - rate * load4(g + i)); i += 4 }
                    while i < pb.count { p[i] -= lr * g[i]; i += 1 }
                }
            }
        }
        return loss
    }

    /// Runs `body` on a pointer to x's contiguous values (copied once if x
    /// has no contiguous storage). An empty x yields a valid dummy pointer.
    func withInput<X: Collection, R>(_ x: X, _ body: (UnsafePointer<Double>) throws -> R) rethrows -> R where X.Element == Double {
        if let r = try x.withContiguousStorageIfAvailable({ buf -> R in
            if let base = buf.baseAddress { return try body(base) }
            var dummy = 0.0
            return try withUnsafePointer(to: &dummy) { try body($0) }
        }) {
            return r
        }
        return try withInput(Array(x), body)
    }

    /// Runs `body` on a pointer to out's contiguous storage, or on a copy that
    /// is written back.
    private func withOutput<O: MutableCollection, R>(_ out: inout O, _ body: (UnsafeMutablePointer<Double>) throws -> R) rethrows -> R where O.Element == Double {
        if let r = try out.withContiguousMutableStorageIfAvailable({ buf -> R in
            if let base = buf.baseAddress { return try body(base) }
            var dummy = 0.0
            return try withUnsafeMutablePointer(to: &dummy) { try body($0) }
        }) {
            return r
        }
        var tmp = Array(out)
        let r = try withOutput(&tmp, body)
        var i = out.startIndex
        for v in tmp { out[i] = v; out.formIndex(after: &i) }
        return r
    }

    /// Runs the layers up to `lastLayer` block by block (unit-major scratch of
    /// its own, see ColumnKernels.swift) and hands each block to
    /// `emit(firstRow, rowCount, scratch, layout)`.
    private func blocks(_ x: UnsafePointer<Double>, rows: Int, through lastLayer: Int,
                        progress: Progress? = nil,
                        _ emit: (Int, Int, UnsafeMutablePointer<Double>, ColumnLayout) -> Void) throws {
        let c = try forwardLayout(rows: rows)
        let inW = inputWidth
        try params.withUnsafeBufferPointer { p in
            try withUnsafeTemporaryAllocation(of: Double.self, capacity: c.total) { scratch in
                let s = scratch.baseAddress!
                var start = 0
                while start < rows {
                    try progress?.check("The pass over \(rows) rows")
                    let n = min(c.stride, rows - start)
                    toColumns(x + start * inW, rows: n, width: inW, stride: c.stride, s + c.input)
                    columnForward(rows: n, stride: c.stride, through: lastLayer, keepZ: true, p.baseAddress!, s, c)
                    emit(start, n, s, c)
                    start += n
                }
            }
        }
    }

    // MARK: - Forward

    /// The network's output for `rows` samples; `x` is `rows x inputWidth`,
    /// `out` is `rows x outputWidth`, both row-major.
    @_specialize(exported: true, where X == UnsafeBufferPointer<Double>, O == UnsafeMutableBufferPointer<Double>)
    public func forward<X: Collection, O: MutableCollection>(_ x: X, rows: Int, into out: inout O,
                                                            progress: Progress? = nil) throws
    where X.Element == Double, O.Element == Double {
        try checkInput(count: x.count, rows: rows)
        try checkOutput(count: out.count, rows: rows, width: outputWidth, name: "The output")
        let threads = forwardThreads(rows: rows)
        let layout = try forwardLayout(rows: rows)
        try checkAllocation(threads * layout.total, "A forward pass's scratch on \(threads) threads")
        // Over more than one block of rows, the wide layers' weights are
        // packed once for every block and thread (each block would pack them
        // again: one copy per 64 multiply-adds, a third of the time).
        let packed = rows > layout.stride ? layers.reduce(0) { $0 &+ $1.prepackedCount } : 0
        try checkAllocation(packed, "A forward pass's packed weights")
        var panels = [Double](repeating: 0, count: packed)
        if packed > 0 {
            params.withUnsafeBufferPointer { pb in
                panels.withUnsafeMutableBufferPointer { dst in
                    var at = dst.baseAddress!
                    for layer in layers {
                        layer.prepackWeights(pb.baseAddress!, into: at)
                        at += layer.prepackedCount
                    }
                }
            }
        }
        progress?.begin(total: rows)
        withInput(x) { xp in
            withOutput(&out) { op in
                panels.withUnsafeBufferPointer { ready in
                    forwardInParallel(xp, rows: rows, into: op, threads: threads, layout: layout,
                                      prepacked: packed > 0 ? ready.baseAddress : nil, progress: progress)
                }
            }
        }
        try progress?.check("The forward pass over \(rows) rows")
    }

    /// Rows below which a forward pass is not worth splitting across threads.
    static let rowsPerThread = 4096
    /// Multiply-adds from which a forward pass is worth splitting across
    /// threads whatever its rows (about 0.2 ms of products per thread):
    /// wider networks split by rows, each thread running whole blocks, rather
    /// than synchronising threads in every layer product of every block.
    static let multiplyAddsPerThread = 1 << 22

    /// The threads a forward pass over `rows` samples uses: one per
    /// `rowsPerThread` rows or per `multiplyAddsPerThread` multiply-adds,
    /// whichever gives more, each with at least one block of rows.
    func forwardThreads(rows: Int) -> Int {
        var perRow = 0
        for l in 0..<layerCount { perRow = perRow &+ layerSizes[l] &* layerSizes[l + 1] }
        let (work, overflow) = rows.multipliedReportingOverflow(by: max(perRow, 1))
        let byWork = overflow ? Int.max : work / Network.multiplyAddsPerThread
        let byRows = rows / Network.rowsPerThread
        let blocks = max(1, rows / max(1, forwardBlockRows))
        return max(1, min(Parallel.threadCount, blocks, max(byRows, byWork)))
    }

    /// Splits the rows into one contiguous range per thread; each thread runs
    /// the layers block by block in scratch of its own. Rows are independent,
    /// so the result does not depend on the number of threads.
    private func forwardInParallel(_ x: UnsafePointer<Double>, rows: Int, into out: UnsafeMutablePointer<Double>,
                                   threads: Int, layout c: ColumnLayout, prepacked: UnsafePointer<Double>?,
                                   progress: Progress?) {
        let block = c.stride, inW = inputWidth, outW = outputWidth, L = layerCount
        let per = (rows + threads - 1) / threads
        params.withUnsafeBufferPointer { pb in
            let p = pb.baseAddress!
            Parallel.forEach(threads) { t in
                let first = t * per, end = min(rows, first + per)
                guard first < end else { return }
                withUnsafeTemporaryAllocation(of: Double.self, capacity: c.total) { scratch in
                    let s = scratch.baseAddress!, result = s + c.a[L - 1]
                    var start = first, counted = first
                    while start < end {
                        if let progress {
                            if progress.isCancelled { return }
                            // Counted every 1024 rows or so: an atomic add per
                            // block, shared by the threads, costs more than the
                            // block of a small network.
                            if start - counted >= 16 * block { progress.advance(by: start - counted); counted = start }
                        }
                        let n = min(block, end - start)
                        toColumns(x + start * inW, rows: n, width: inW, stride: c.stride, s + c.input)
                        columnForward(rows: n, stride: c.stride, through: L, p, s, c, prepacked: prepacked)
                        if outW == 1 {
                            (out + start).update(from: result, count: n)  // one output: already in row order
                        } else {
                            for i in 0..<n { for j in 0..<outW { out[(start + i) * outW + j] = result[j * c.stride + i] } }
                        }
                        start += n
                    }
                    progress?.advance(by: end - counted)
                }
            }
        }
    }

    /// The network's output for `rows` samples, as a new array.
    public func forward(_ x: [Double], rows: Int, progress: Progress? = nil) throws -> [Double] {
        let count = try checkedCount(max(rows, 0), outputWidth, what: "The output")
        try checkAllocation(count, "The output of \(rows) rows")
        var out = [Double](repeating: 0, count: count)
        try forward(x, rows: rows, into: &out, progress: progress)
        return out
    }

    /// The activations of hidden `layer` (1-based), `rows x layerSizes[layer]`.
    @_specialize(exported: true, where X == UnsafeBufferPointer<Double>, O == UnsafeMutableBufferPointer<Double>)
    public func hidden<X: Collection, O: MutableCollection>(layer: Int, _ x: X, rows: Int, into out: inout O) throws
    where X.Element == Double, O.Element == Double {
        try checkLayer(layer, hiddenOnly: true)
        try layerValues(layer: layer, preActivation: false, x, rows: rows, into: &out)
    }

    /// The pre-activations `z = a @ W + b` of `layer` (1-based, the output
    /// layer included), `rows x layerSizes[layer]`.
    @_specialize(exported: true, where X == UnsafeBufferPointer<Double>, O == UnsafeMutableBufferPointer<Double>)
    public func preActivations<X: Collection, O: MutableCollection>(layer: Int, _ x: X, rows: Int, into out: inout O)
    throws where X.Element == Double, O.Element == Double {
        try checkLayer(layer, hiddenOnly: false)
        try layerValues(layer: layer, preActivation: true, x, rows: rows, into: &out)
    }

    private func layerValues<X: Collection, O: MutableCollection>(layer: Int, preActivation: Bool, _ x: X, rows: Int,
                                                                  into out: inout O) throws
    where X.Element == Double, O.Element == Double {
        try checkInput(count: x.count, rows: rows)
        let w = layerSizes[layer]
        try checkOutput(count: out.count, rows: rows, width: w, name: preActivation ? "The pre-activations" : "The hidden output")
        try withInput(x) { xp in
            try withOutput(&out) { op in
                try blocks(xp, rows: rows, through: layer) { start, n, s, c in
                    let a = s + (preActivation ? c.z[layer - 1] : c.a[layer - 1])
                    for i in 0..<n { for j in 0..<w { op[(start + i) * w + j] = a[j * c.stride + i] } }
                }
            }
        }
    }

    /// The layer-by-layer signal: mean |z1|, |a1|, |z2|, |a2|, …, |zL|.
    ///
    /// With `perSample`, one row of `traceLength` values per sample (each
    /// the mean over that layer's units); otherwise one row, the means over
    /// all samples and units (the article's `get_z_trace` on a batch).
    @_specialize(exported: true, where X == UnsafeBufferPointer<Double>, O == UnsafeMutableBufferPointer<Double>)
    public func trace<X: Collection, O: MutableCollection>(_ x: X, rows: Int, perSample: Bool, into out: inout O) throws
    where X.Element == Double, O.Element == Double {
        try checkInput(count: x.count, rows: rows)
        let t = traceLength
        try checkOutput(count: out.count, rows: perSample ? rows : 1, width: t, name: "The trace")
        let widths = Array(layerSizes.dropFirst())
        var totals = [Double](repeating: 0, count: t)
        try withInput(x) { xp in
            try withOutput(&out) { op in
                try blocks(xp, rows: rows, through: layerCount) { start, n, s, c in
                    for i in 0..<n {
                        for stage in 0..<t {
                            let l = stage / 2, w = widths[l]
                            let base = s + (stage % 2 == 0 ? c.z[l] : c.a[l]) + i
                            // Summed the way NumPy sums, so that one sample
                            // matches np.abs(z).mean() exactly.
                            let sum = absPairwiseSum(base, w, stride: c.stride)
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

    /// For every hidden unit (layer by layer), the number of samples on which
    /// its pre-activation is positive: 0 means the unit never fires on them.
    @_specialize(exported: true, where X == UnsafeBufferPointer<Double>)
    public func firingCounts<X: Collection>(_ x: X, rows: Int) throws -> [Int] where X.Element == Double {
        try checkInput(count: x.count, rows: rows)
        let hiddenWidths = Array(layerSizes.dropFirst().dropLast())
        var counts = [Int](repeating: 0, count: hiddenWidths.reduce(0, +))
        guard !hiddenWidths.isEmpty else { return counts }
        try withInput(x) { xp in
            try blocks(xp, rows: rows, through: hiddenCount) { _, n, s, c in
                var offset = 0
                for (l, w) in hiddenWidths.enumerated() {
                    let z = s + c.z[l]
                    for j in 0..<w {
                        for i in 0..<n where z[j * c.stride + i] > 0 { counts[offset + j] += 1 }
                    }
                    offset += w
                }
            }
        }
        return counts
    }

    // MARK: - Training

    /// One SGD step on a batch, in the article's order: forward, loss, all
    /// gradients from the current weights, then `p -= lr * g` for every
    /// parameter. Returns the loss before the update. `y` holds
    /// `rows x targetWidth` targets.
    @discardableResult
    @_specialize(exported: true, where X == UnsafeBufferPointer<Double>, Y == UnsafeBufferPointer<Double>)
    public func trainStep<X: Collection, Y: Collection>(_ x: X, _ y: Y, rows: Int, learningRate lr: Double) throws -> Double
    where X.Element == Double, Y.Element == Double {
        try checkInput(count: x.count, rows: rows)
        try checkFinite(x)
        try checkTargets(y, rows: rows)
        try Network.checkLearningRate(lr)
        try reserve(rows: rows)
        return withInput(x) { xp in
            withInput(y) { yp in
                trainKernel(xp, yp, rows: rows, lr: lr)
            }
        }
    }

    /// The loss and its gradient with respect to every parameter (same
    /// layout as `parameters`) on one batch, without changing anything.
    @_specialize(exported: true, where X == UnsafeBufferPointer<Double>, Y == UnsafeBufferPointer<Double>)
    public func gradients<X: Collection, Y: Collection>(_ x: X, _ y: Y, rows: Int) throws -> (loss: Double, gradients: [Double])
    where X.Element == Double, Y.Element == Double {
        try checkInput(count: x.count, rows: rows)
        try checkFinite(x)
        try checkTargets(y, rows: rows)
        try checkAllocation(params.count, "The gradients of \(params.count) parameters")
        try reserve(rows: rows)
        guard let c = columnLayout else { return (.nan, grads) }
        var loss = 0.0
        withInput(x) { xp in
            withInput(y) { yp in
                params.withUnsafeBufferPointer { pb in
                    grads.withUnsafeMutableBufferPointer { gb in
                        columnWork.withUnsafeMutableBufferPointer { sb in
                            loss = columnGradients(xp, yp, rows: rows, pb.baseAddress!, gb.baseAddress!, sb.baseAddress!, c)
                        }
                    }
                }
            }
        }
        return (loss, grads)
    }

    /// The mean loss and the accuracy on a data set (accuracy: output >= 0.5
    /// against 0/1 labels for sigmoid, argmax against the class for softmax,
    /// NaN for identity).
    @_specialize(exported: true, where X == UnsafeBufferPointer<Double>, Y == UnsafeBufferPointer<Double>)
    public func evaluate<X: Collection, Y: Collection>(_ x: X, _ y: Y, rows: Int, progress: Progress? = nil) throws
        -> (loss: Double, accuracy: Double) where X.Element == Double, Y.Element == Double {
        try checkInput(count: x.count, rows: rows)
        try checkFinite(x)
        try checkTargets(y, rows: rows)
        let k = outputWidth, tw = targetWidth, L = layerCount
        // Block by block through the output layer, each block's loss terms
        // and hits from the output kind (Output.swift), as training has them.
        let layout = try forwardLayout(rows: rows)
        let termCount = try checkedCount(rows, output == .softmax ? 1 : k, what: "The loss terms")
        let blockValues = try checkedCount(max(k, tw), layout.stride, what: "Scratch")
        try checkAllocation(termCount + 3 * blockValues, "Evaluating \(rows) rows")
        var terms = [Double](repeating: 0, count: termCount + blockValues)
        var scratch = [Double](repeating: 0, count: 2 * blockValues)
        var correct = 0, written = 0
        try withInput(x) { xp in
            try withInput(y) { yp in
                try terms.withUnsafeMutableBufferPointer { tb in
                    try scratch.withUnsafeMutableBufferPointer { sb in
                        let targets = sb.baseAddress!, work = targets + blockValues
                        try blocks(xp, rows: rows, through: L, progress: progress) { start, n, s, c in
                            toColumns(yp + start * tw, rows: n, width: tw, stride: c.stride, targets)
                            let out = UnsafePointer(s + c.a[L - 1])
                            written += output.lossTerms(out: out, z: s + c.z[L - 1], targets: targets, rows: n,
                                                        stride: c.stride, outputs: k, terms: tb.baseAddress! + written,
                                                        scratch: work, delta: nil)
                            correct += output.correctCount(out: out, targets: targets, rows: n, stride: c.stride, outputs: k)
                        }
                    }
                }
            }
        }
        let sum = terms.withUnsafeBufferPointer { pairwiseSum($0.baseAddress, written, 1) }
        let loss = output.loss(termSum: sum, count: written)
        return (loss, output.accuracy(correct: correct, rows: rows, outputs: k))
    }
}

/// Sum of |v| over `n` values `stride` apart, in NumPy's pairwise order.
@usableFromInline
func absPairwiseSum(_ v: UnsafePointer<Double>, _ n: Int, stride: Int) -> Double {
    withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { buf in
        for i in 0..<n { buf[i] = abs(v[i * stride]) }
        return pairwiseSum(UnsafePointer(buf.baseAddress!), n, 1)
    }
}

/// Checks that every value of `x` (rows of `width` values) is finite, naming
/// the first that is not by row and column: training's rule for its inputs
/// (NaN or infinity would reach every weight through the gradients).
func checkFiniteRows<X: Collection>(_ x: X, width: Int, name: String) throws where X.Element == Double {
    var i = 0
    for v in x {
        if !v.isFinite {
            throw SwiftMoonsError.badArgument("\(name) must be finite; \(name) has \(v) at row \(i / max(width, 1)), column \(i % max(width, 1))")
        }
        i += 1
    }
}
