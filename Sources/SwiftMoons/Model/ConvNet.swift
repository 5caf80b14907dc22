import Synchronization

/// The layers of a convolutional network (python/swiftmoons/layers.py is the
/// spec): applied in order to one sample of shape (C, H, W), channels first,
/// or (D,); the last is a `dense` layer whose units are the classes, read
/// through a softmax and trained with cross-entropy.
public enum ConvLayer: Equatable, Sendable, CustomStringConvertible {
    /// Cross-correlation with square kernels and zero padding: a weight
    /// (channels, in, k, k) and a bias (channels,).
    case conv2D(channels: Int, kernelSize: Int, stride: Int, padding: Int)
    /// The largest value of each window (no padding).
    case maxPool2D(size: Int, stride: Int)
    /// The mean of each window: its sum over size * size (no padding).
    case avgPool2D(size: Int, stride: Int)
    /// (C, H, W) -> (C * H * W,), row-major.
    case flatten
    /// x W + b on a vector: a weight (in, units) and a bias (units,).
    case dense(units: Int)
    /// Inverted dropout while training: kept values divided by 1 - rate.
    case dropout(rate: Double)
    /// An activation on every value; PReLU learns one slope per channel
    /// (per unit on a vector), each starting at its alpha.
    case activation(Activation)

    public var description: String {
        switch self {
        case let .conv2D(c, k, s, p): return "Conv2D(channels=\(c), kernel_size=\(k), stride=\(s), padding=\(p))"
        case let .maxPool2D(size, stride): return "MaxPool2D(size=\(size), stride=\(stride))"
        case let .avgPool2D(size, stride): return "AvgPool2D(size=\(size), stride=\(stride))"
        case .flatten: return "Flatten()"
        case let .dense(units): return "Dense(units=\(units))"
        case let .dropout(rate): return "Dropout(rate=\(rate))"
        case let .activation(a): return "Activation(\(a))"
        }
    }
}

/// One sample's shape: (C, H, W), a vector (D,) being (D, 1, 1).
public struct SampleShape: Equatable, Sendable {
    public let channels: Int, height: Int, width: Int
    /// Whether it is a vector (D,) rather than an image.
    public let isVector: Bool
    public var count: Int { channels * height * width }
    /// Positions per channel: H * W.
    public var plane: Int { height * width }
    /// The shape as Python writes it: [C, H, W] or [D].
    public var dimensions: [Int] { isVector ? [channels] : [channels, height, width] }
}

/// The optimizer of `ConvNet.fit`: scikit-learn's, as `SklearnSolver`.
public typealias ConvOptimizer = SklearnSolver

/// A convolutional classifier: its layers, one flat parameter vector laid
/// out as layers.parameter_layout says, the stream that drew its weights
/// (which goes on to shuffle each epoch) and the stream of its dropout masks.
/// Every call either completes or leaves the network as it was.
public final class ConvNet {
    public let inputShape: SampleShape
    public let layers: [ConvLayer]
    /// Each layer's output shape per sample.
    public let shapes: [SampleShape]
    /// The flat parameters (see `parameterBlocks`).
    public private(set) var parameters: [Double]
    /// The stream that drew the weights: it draws each epoch's permutation.
    public private(set) var rng: RandomState
    /// The stream of the dropout masks.
    public private(set) var dropoutRng: RandomState

    let plan: ConvPlan

    /// The classes: the last layer's units.
    public var classes: Int { shapes.last?.channels ?? 0 }
    public var parameterCount: Int { parameters.count }
    /// The number of Dropout layers (each takes one mask per batch).
    public var dropoutLayerCount: Int { plan.dropoutSizes.count }

    /// The initializers a `ConvNet` takes (`Initializer.auto` is the MLPs'
    /// rule by hidden activation, which has no meaning here).
    public static let initializers: [Initializer] = [.glorotUniform, .he, .xavier]

    /// Builds the network and draws its weights from RandomState(seed) in
    /// layout order (biases 0, PReLU slopes their alpha), from (fan_in,
    /// fan_out): for a convolution (in k k, out k k), for a dense layer (in,
    /// out). The dropout stream is RandomState(dropoutSeed ?? (seed + 1) mod 2^32).
    public init(inputShape: [Int], layers: [ConvLayer], seed: Int = 0, initializer: Initializer = .glorotUniform,
                dropoutSeed: Int? = nil) throws {
        guard ConvNet.initializers.contains(initializer) else {
            throw SwiftMoonsError.badArgument("init must be one of \(ConvNet.initializers.map(\.rawValue)), got \"\(initializer.rawValue)\"")
        }
        let plan = try ConvPlan(inputShape: inputShape, layers: layers)
        var rng = try RandomState(seed: seed)
        let dropout = try RandomState(seed: dropoutSeed ?? ((seed + 1) % (1 << 32)))
        try checkAllocation(plan.parameterCount, "The network's \(plan.parameterCount) parameters")
        var p = [Double](repeating: 0, count: plan.parameterCount)
        for step in plan.steps {
            guard let fans = step.fans else {
                if case .activation(let act) = step.layer, act.kind == .prelu {
                    for i in 0..<step.input.channels { p[step.slope + i] = act.alpha }
                }
                continue
            }
            switch initializer {
            case .glorotUniform:
                let limit = (6 / Double(fans.in + fans.out)).squareRoot()
                let low = -limit, width = limit - low  // NumPy's uniform: low + (high - low) * sample
                for i in 0..<step.weightCount { p[step.weight + i] = low + width * rng.randomSample() }
            case .he, .xavier, .auto:  // (.auto was refused above)
                let scale = ((initializer == .he ? 2.0 : 1.0) / Double(fans.in)).squareRoot()
                for i in 0..<step.weightCount { p[step.weight + i] = rng.gaussian() * scale }
            }
        }
        self.plan = plan
        self.inputShape = plan.input
        self.layers = layers
        self.shapes = plan.steps.map(\.output)
        self.parameters = p
        self.rng = rng
        self.dropoutRng = dropout
    }

    /// Replaces every parameter (as many as `parameterCount`).
    public func setParameters(_ values: [Double]) throws {
        guard values.count == parameters.count else {
            throw SwiftMoonsError.badShape("params must hold \(parameters.count) values, got \(values.count)")
        }
        parameters = values
    }

    /// Replaces the two streams (e.g. to restore a saved network).
    public func setStreams(rng: RandomState, dropoutRng: RandomState) {
        self.rng = rng
        self.dropoutRng = dropoutRng
    }

    // MARK: - Passes (arrays)

    /// The logits (probabilities with `probabilities`), rows x classes, of
    /// `x` (rows x the sample's values, row-major), in evaluation mode.
    public func forward(_ x: [Double], rows: Int, probabilities: Bool = false, progress: Progress? = nil) throws -> [Double] {
        var out = [Double](repeating: 0, count: try checkedCount(max(rows, 0), classes, what: "The output"))
        try x.withUnsafeBufferPointer { xb in
            try out.withUnsafeMutableBufferPointer { ob in
                try forward(xb, rows: rows, into: ob, probabilities: probabilities, progress: progress)
            }
        }
        return out
    }

    /// The mean cross-entropy of `x` against the classes `y` and the
    /// accuracy (the fraction whose logits' argmax is their class), in
    /// evaluation mode.
    public func evaluate(_ x: [Double], rows: Int, labels y: [Int], progress: Progress? = nil) throws -> (loss: Double, accuracy: Double) {
        try x.withUnsafeBufferPointer { xb in
            try y.map(Int64.init).withUnsafeBufferPointer { yb in try evaluate(xb, rows: rows, labels: yb, progress: progress) }
        }
    }

    /// (loss, flat gradient) of one training pass over the batch: dropout
    /// masks given (one array per Dropout layer, rows x its values, 0 or
    /// 1 / (1 - rate)) or drawn from the dropout stream.
    public func gradients(_ x: [Double], rows: Int, labels y: [Int], masks: [[Double]]? = nil) throws -> (Double, [Double]) {
        var g = [Double](repeating: 0, count: parameters.count)
        let joined = masks.map { Array($0.joined()) }
        if let masks {
            guard masks.count == plan.dropoutSizes.count else {
                throw SwiftMoonsError.badShape("masks must hold one array per Dropout layer (\(plan.dropoutSizes.count)), got \(masks.count)")
            }
        }
        let loss = try x.withUnsafeBufferPointer { xb in
            try y.map(Int64.init).withUnsafeBufferPointer { yb in
                try g.withUnsafeMutableBufferPointer { gb in
                    if let joined {
                        return try joined.withUnsafeBufferPointer { mb in
                            try gradients(xb, rows: rows, labels: yb, masks: mb, into: gb)
                        }
                    }
                    return try gradients(xb, rows: rows, labels: yb, masks: nil, into: gb)
                }
            }
        }
        return (loss, g)
    }

    /// Trains for `epochs` (see the buffer form), scoring `validation` (if
    /// given) after each epoch; returns what each epoch measured.
    public func fit(_ x: [Double], rows: Int, labels y: [Int], epochs: Int, learningRate: Double, batchSize: Int,
                    optimizer: ConvOptimizer, shuffle: Bool = true, validation: (x: [Double], rows: Int, labels: [Int])? = nil,
                    progress: Progress? = nil) throws -> [ConvEpoch] {
        var history = [Double](repeating: 0, count: try checkedCount(max(epochs, 0), ConvEpoch.fieldCount, what: "The history"))
        let vx: [Double] = validation?.x ?? [], vy: [Int64] = (validation?.labels ?? []).map { Int64($0) }
        try x.withUnsafeBufferPointer { xb in
            try y.map(Int64.init).withUnsafeBufferPointer { yb in
                try vx.withUnsafeBufferPointer { vxb in
                    try vy.withUnsafeBufferPointer { vyb in
                        try history.withUnsafeMutableBufferPointer { hb in
                            try fit(xb, rows: rows, labels: yb, epochs: epochs, learningRate: learningRate, batchSize: batchSize,
                                    optimizer: optimizer, shuffle: shuffle,
                                    validation: validation.map { (vxb, $0.rows, vyb) }, history: hb, progress: progress)
                        }
                    }
                }
            }
        }
        return (0..<max(epochs, 0)).map { ConvEpoch(history[($0 * ConvEpoch.fieldCount)...]) }
    }

    // MARK: - Passes (buffers, for the C layer)

    /// Checks x's size for `rows` samples.
    private func checkInput(_ x: UnsafeBufferPointer<Double>, rows: Int) throws {
        guard rows >= 1 else { throw SwiftMoonsError.badArgument("n must be >= 1, got \(rows)") }
        let needed = try checkedCount(rows, plan.input.count, what: "X")
        guard x.count == needed, x.baseAddress != nil else {
            throw SwiftMoonsError.badShape("X must hold \(rows) samples of shape \(plan.input.dimensions) (\(needed) values), got \(x.count)")
        }
    }

    /// Checks the labels: `rows` classes in 0..<classes.
    private func checkLabels(_ y: UnsafeBufferPointer<Int64>, rows: Int) throws {
        guard y.count == rows, y.baseAddress != nil else {
            throw SwiftMoonsError.badShape("y must hold \(rows) labels, got \(y.count)")
        }
        if let bad = y.first(where: { $0 < 0 || $0 >= Int64(classes) }) {
            throw SwiftMoonsError.badArgument("y must hold classes in 0..<\(classes), got \(bad)")
        }
    }

    /// Forward pass in evaluation mode into `out` (rows x classes): logits,
    /// or their softmax with `probabilities`. Threads take blocks of rows.
    package func forward(_ x: UnsafeBufferPointer<Double>, rows: Int, into out: UnsafeMutableBufferPointer<Double>,
                         probabilities: Bool, progress: Progress? = nil) throws {
        try checkInput(x, rows: rows)
        let expected = try checkedCount(rows, classes, what: "The output")
        guard out.count == expected else {
            throw SwiftMoonsError.badShape("out must hold \(rows) x \(classes) values, got \(out.count)")
        }
        progress?.begin(total: rows)
        try parameters.withUnsafeBufferPointer { pb in
            try forwardRows(pb, x, rows: rows, into: out, probabilities: probabilities, progress: progress, counts: true)
        }
    }

    /// The forward pass of checked inputs with parameters `params`; looks at
    /// `progress` for a cancel between blocks of rows and, with `counts`,
    /// advances it by the rows done.
    private func forwardRows(_ params: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>, rows: Int,
                             into out: UnsafeMutableBufferPointer<Double>, probabilities: Bool, progress: Progress?,
                             counts: Bool) throws {
        guard rows > 0, let op = out.baseAddress, let xp = x.baseAddress, let pp = params.baseAddress else { return }
        let k = classes, blockRows = 32
        let blocks = (rows + blockRows - 1) / blockRows
        let parts = min(Parallel.threadCount, blocks)
        let space = try ConvWorkspace(plan, parts: parts, gradients: false)
        defer { space.release() }
        let stop = CancelFlag()
        Parallel.forEach(parts) { part in
            let ws = space.part(part)
            var block = part
            while block < blocks {
                if progress?.isCancelled == true { stop.set(); return }
                let start = block * blockRows, end = min(rows, start + blockRows)
                for r in start..<end {
                    plan.forwardSample(xp + r * plan.input.count, pp, masks: nil, ws)
                    let logits = ws.trace + plan.traceOffsets[plan.steps.count]
                    (op + r * k).update(from: logits, count: k)
                    if probabilities { softmaxInPlace(op + r * k, k) }
                }
                if counts { progress?.advance(by: end - start) }
                block += parts
            }
        }
        if stop.isSet { throw SwiftMoonsError.cancelled("The forward pass was interrupted") }
    }

    /// The mean cross-entropy and accuracy (NumPy's argmax of the logits
    /// against y) of checked inputs with parameters `params`, in evaluation mode.
    private func score(_ params: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>, rows: Int,
                       labels y: UnsafeBufferPointer<Int64>, progress: Progress?, counts: Bool) throws -> (loss: Double, accuracy: Double) {
        var logits = [Double](repeating: 0, count: try checkedCount(rows, classes, what: "The logits"))
        try checkAllocation(logits.count, "The logits")
        try logits.withUnsafeMutableBufferPointer {
            try forwardRows(params, x, rows: rows, into: $0, probabilities: false, progress: progress, counts: counts)
        }
        var total = 0.0, correct = 0
        logits.withUnsafeMutableBufferPointer { lb in
            for r in 0..<rows {
                let z = lb.baseAddress! + r * classes
                if firstMaximum(UnsafePointer(z), classes) == Int(y[r]) { correct += 1 }
                total += sampleCrossEntropy(z, classes, Int(y[r]))
            }
        }
        return (total / Double(rows), Double(correct) / Double(rows))
    }

    /// The mean cross-entropy and the accuracy (the fraction whose logits'
    /// NumPy argmax is their class) over `rows` samples, in evaluation mode.
    package func evaluate(_ x: UnsafeBufferPointer<Double>, rows: Int, labels y: UnsafeBufferPointer<Int64>,
                          progress: Progress? = nil) throws -> (loss: Double, accuracy: Double) {
        try checkInput(x, rows: rows)
        try checkLabels(y, rows: rows)
        guard rows > 0 else { throw SwiftMoonsError.badArgument("n must be >= 1 for a mean over samples") }
        progress?.begin(total: rows)
        return try parameters.withUnsafeBufferPointer { try score($0, x, rows: rows, labels: y, progress: progress, counts: true) }
    }

    /// The loss and flat gradient (into `g`) of one training pass over the
    /// batch. `masks`: every Dropout layer's mask in turn (rows x its
    /// values each), or nil to draw them from the dropout stream (which
    /// then moves on).
    package func gradients(_ x: UnsafeBufferPointer<Double>, rows: Int, labels y: UnsafeBufferPointer<Int64>,
                           masks: UnsafeBufferPointer<Double>?, into g: UnsafeMutableBufferPointer<Double>) throws -> Double {
        try checkInput(x, rows: rows)
        try checkLabels(y, rows: rows)
        guard g.count == parameters.count, let gp = g.baseAddress else {
            throw SwiftMoonsError.badShape("grad must hold \(parameters.count) values, got \(g.count)")
        }
        let maskCount = try checkedCount(rows, plan.maskValuesPerSample, what: "The dropout masks")
        if let masks {
            guard masks.count == maskCount else {
                throw SwiftMoonsError.badShape("masks must hold \(maskCount) values (rows x each Dropout layer's values), got \(masks.count)")
            }
            if let bad = masks.first(where: { !$0.isFinite }) {
                throw SwiftMoonsError.badArgument("masks must be finite (each value 0 or 1 / (1 - rate)), got \(bad)")
            }
        }
        let space = try ConvWorkspace(plan, parts: plan.chunks(rows: rows, parameters: parameters.count), gradients: true,
                                      maskValues: masks == nil ? maskCount : 0)
        defer { space.release() }
        var stream = dropoutRng
        let maskPointer: UnsafePointer<Double>?
        if let masks {
            maskPointer = masks.baseAddress
        } else {
            space.drawMasks(plan, rows: rows, &stream)
            maskPointer = UnsafePointer(space.masks)
        }
        let order = Array(0..<rows)
        let loss = parameters.withUnsafeBufferPointer { pb in
            order.withUnsafeBufferPointer { ob in
                plan.batchGradient(pb.baseAddress!, x.baseAddress!, ob.baseAddress!, rows: rows, y.baseAddress!,
                                   masks: maskPointer, into: gp, space).loss
            }
        }
        dropoutRng = stream
        return loss
    }

    /// Trains for `epochs`, the whole loop here: each epoch draws a
    /// permutation from `rng` (or keeps 0..<n without `shuffle`), and for
    /// each batch of `batchSize` rows in that order draws its dropout
    /// masks, computes the loss and gradients and updates the parameters
    /// with `optimizer` (as sklearn's, operation for operation; its state
    /// starts fresh in each call). After each epoch the `validation`
    /// samples, if any, are scored in evaluation mode. Writes one
    /// `ConvEpoch` per epoch to `history` (epochs x `ConvEpoch.fieldCount`).
    /// `progress` counts batches. Cancelled or failed, it changes nothing.
    package func fit(_ x: UnsafeBufferPointer<Double>, rows: Int, labels y: UnsafeBufferPointer<Int64>, epochs: Int,
                     learningRate: Double, batchSize: Int, optimizer: ConvOptimizer, shuffle: Bool,
                     validation: (x: UnsafeBufferPointer<Double>, rows: Int, labels: UnsafeBufferPointer<Int64>)? = nil,
                     history: UnsafeMutableBufferPointer<Double>, progress: Progress? = nil) throws {
        try checkInput(x, rows: rows)
        try checkFiniteRows(x, width: plan.input.count, name: "X")
        try checkLabels(y, rows: rows)
        if let validation {
            guard validation.rows >= 1 else { throw SwiftMoonsError.badArgument("The validation set must hold at least one sample") }
            try checkInput(validation.x, rows: validation.rows)
            try checkFiniteRows(validation.x, width: plan.input.count, name: "X_val")
            try checkLabels(validation.labels, rows: validation.rows)
        }
        guard epochs >= 0 else { throw SwiftMoonsError.badArgument("epochs must be >= 0, got \(epochs)") }
        guard history.count == (try checkedCount(epochs, ConvEpoch.fieldCount, what: "The history")) else {
            throw SwiftMoonsError.badShape("history must hold \(epochs) x \(ConvEpoch.fieldCount) values (one row per epoch), got \(history.count)")
        }
        guard batchSize >= 1 else { throw SwiftMoonsError.badArgument("batch_size must be >= 1, got \(batchSize)") }
        guard learningRate.isFinite, learningRate > 0 else {
            throw SwiftMoonsError.badArgument("lr must be finite and > 0, got \(learningRate)")
        }
        switch optimizer {
        case let .sgd(momentum, _):
            guard momentum.isFinite, momentum >= 0, momentum <= 1 else {
                throw SwiftMoonsError.badArgument("momentum must be in [0, 1], got \(momentum)")
            }
        case let .adam(b1, b2, eps):
            guard b1.isFinite, b1 >= 0, b1 < 1 else { throw SwiftMoonsError.badArgument("beta1 must be in [0, 1), got \(b1)") }
            guard b2.isFinite, b2 >= 0, b2 < 1 else { throw SwiftMoonsError.badArgument("beta2 must be in [0, 1), got \(b2)") }
            guard eps.isFinite, eps > 0 else { throw SwiftMoonsError.badArgument("epsilon must be finite and > 0, got \(eps)") }
        }
        guard epochs > 0, let xp = x.baseAddress, let yp = y.baseAddress else { return }
        let batch = min(batchSize, rows), count = parameters.count
        let moments: Int
        if case .adam = optimizer { moments = 2 } else { moments = 1 }
        try checkAllocation(try checkedCount(count, 2 + moments, what: "The training's working copies") + rows
                            + history.count, "The training's working copies")
        let space = try ConvWorkspace(plan, parts: plan.chunks(rows: batch, parameters: count), gradients: true,
                                      maskValues: try checkedCount(batch, plan.maskValuesPerSample, what: "The dropout masks"))
        defer { space.release() }
        // Working copies, written back only when every epoch is done.
        var p = parameters, g = [Double](repeating: 0, count: count)
        var first = [Double](repeating: 0, count: count), second = [Double](repeating: 0, count: moments == 2 ? count : 0)
        var stream = rng, dropStream = dropoutRng
        var records = [Double](repeating: .nan, count: history.count)
        progress?.begin(total: epochs * ((rows + batch - 1) / batch))
        try first.withUnsafeMutableBufferPointer { fb in
            try second.withUnsafeMutableBufferPointer { sb in
                var state = SklearnOptimizerState(solver: optimizer, learningRateInit: learningRate, learningRate: learningRate,
                                                  t: 0, first: fb.baseAddress!, second: sb.baseAddress)
                try p.withUnsafeMutableBufferPointer { pb in
                    try g.withUnsafeMutableBufferPointer { gb in
                        let pp = pb.baseAddress!, gp = gb.baseAddress!
                        for epoch in 0..<epochs {
                            let started = monotonicSeconds()
                            let order = shuffle ? stream.permutation(rows) : Array(0..<rows)
                            var total = 0.0, correct = 0
                            try order.withUnsafeBufferPointer { ob in
                                var start = 0
                                while start < rows {
                                    try progress?.check("Training")
                                    let n = min(batch, rows - start)
                                    space.drawMasks(plan, rows: n, &dropStream)
                                    let (loss, hits) = plan.batchGradient(UnsafePointer(pp), xp, ob.baseAddress! + start, rows: n, yp,
                                                                          masks: UnsafePointer(space.masks), into: gp, space)
                                    total += loss * Double(n)
                                    correct += hits
                                    state.update(pp, UnsafePointer(gp), count: count)
                                    progress?.advance()
                                    start += n
                                }
                            }
                            let at = epoch * ConvEpoch.fieldCount
                            records[at + 4] = monotonicSeconds() - started
                            records[at] = total / Double(rows)
                            records[at + 1] = Double(correct) / Double(rows)
                            if let validation {
                                let scored = try score(UnsafeBufferPointer(pb), validation.x, rows: validation.rows,
                                                       labels: validation.labels, progress: progress, counts: false)
                                records[at + 2] = scored.loss
                                records[at + 3] = scored.accuracy
                            }
                        }
                    }
                }
            }
        }
        parameters = p
        rng = stream
        dropoutRng = dropStream
        _ = history.update(fromContentsOf: records)
    }
}

/// What one epoch of `ConvNet.fit` measured.
public struct ConvEpoch: Equatable, Sendable {
    /// The mean training loss: each batch's mean loss as it was trained
    /// (dropout on, parameters moving through the epoch) times its rows, over n.
    public var loss: Double
    /// The fraction of training samples whose logits' argmax was their
    /// class when their batch was trained (as `loss`).
    public var accuracy: Double
    /// The validation set's mean loss after the epoch, in evaluation mode (NaN without one).
    public var validationLoss: Double
    /// The validation set's accuracy after the epoch (NaN without one).
    public var validationAccuracy: Double
    /// Seconds of the epoch's training (the shuffle and every batch, not the
    /// validation), by the monotonic clock.
    public var seconds: Double

    /// Numbers per epoch in a history buffer, in the order above.
    public static let fieldCount = 5

    init(_ row: ArraySlice<Double>) {
        let i = row.startIndex
        (loss, accuracy, validationLoss, validationAccuracy, seconds) = (row[i], row[i + 1], row[i + 2], row[i + 3], row[i + 4])
    }
}

/// A flag the workers of a parallel loop raise (a cancelled block).
private final class CancelFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    func set() { raised.store(true, ordering: .relaxed) }
    var isSet: Bool { raised.load(ordering: .relaxed) }
}
