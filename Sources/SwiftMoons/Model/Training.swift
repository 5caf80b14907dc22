#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// What to record while training, every `every` epochs.
public struct Recording: Sendable {
    /// Record after every `every`-th epoch (and after the last); 0 records nothing.
    public var every: Int
    /// Also keep a copy of all parameters at each recorded epoch.
    public var parameters: Bool
    /// An evaluation set (`rows x inputWidth`, row-major, and its labels) whose
    /// loss and accuracy are recorded; empty for none.
    public var evaluationX: [Double]
    public var evaluationY: [Double]

    public init(every: Int, parameters: Bool = false, evaluationX: [Double] = [], evaluationY: [Double] = []) {
        self.every = every
        self.parameters = parameters
        self.evaluationX = evaluationX
        self.evaluationY = evaluationY
    }
}

/// Snapshots taken during training, kept until cleared.
public struct TrainingRecords: Sendable, Equatable {
    /// The epoch (1-based, counting every epoch the network trained) of each record.
    public internal(set) var epochs: [Int] = []
    /// The evaluation set's loss at each record (NaN without an evaluation set).
    public internal(set) var evaluationLoss: [Double] = []
    /// The evaluation set's accuracy at each record (see `Network.evaluate`).
    public internal(set) var evaluationAccuracy: [Double] = []
    /// All parameters at each record, flat, one `parameterCount` block per
    /// record; empty unless parameters were recorded. Once any record holds
    /// parameters every record has a block: one made without them holds NaN.
    public internal(set) var parameters: [Double] = []

    public init() {}

    /// Records as a saved file holds them (see `Network.restoreTraining`).
    public init(epochs: [Int], evaluationLoss: [Double], evaluationAccuracy: [Double], parameters: [Double] = []) {
        self.epochs = epochs
        self.evaluationLoss = evaluationLoss
        self.evaluationAccuracy = evaluationAccuracy
        self.parameters = parameters
    }
}

extension Network {
    /// Forgets the recorded snapshots.
    public func clearRecords() { records = TrainingRecords() }

    /// Trains for `epochs` epochs, as the article's loop does for one network:
    /// each epoch a permutation from `rng`, mini-batches of `batchSize` in its
    /// order (the last one may be short), one SGD step each; the epoch's loss
    /// is the mean of its batch losses. Returns those losses.
    ///
    /// With a `progress`, the call counts epochs and stops when asked to:
    /// see `trainTogether` for what an interrupted call leaves behind.
    public func fit<X: Collection, Y: Collection>(
        _ x: X, _ y: Y, rows: Int, epochs: Int, learningRate: Double, batchSize: Int,
        rng: inout RandomState, recording: Recording? = nil, progress: Progress? = nil
    ) throws -> [Double] where X.Element == Double, Y.Element == Double {
        try trainTogether([self], x, y, rows: rows, epochs: epochs, learningRate: learningRate,
                          batchSize: batchSize, rng: &rng, recording: recording, progress: progress)[0]
    }
}

/// What `trainTogether` leaves when its `Progress` is cancelled: every
/// network stopped after a whole epoch (`epochsCompleted[k]` of this call:
/// its weights, epochs trained and records as after exactly those epochs,
/// and `losses[k]` their losses), and the stream left after the
/// permutations of the fewest epochs any network completed.
public struct TrainingInterrupted: Error {
    public let epochsCompleted: [Int]
    public let losses: [[Double]]
}

/// The article's loop for several networks: each epoch one permutation from
/// `rng`, shared by every network, each of which then runs all its batches.
/// Everything is checked before any network changes. Returns each network's
/// epoch losses.
///
/// With a `progress`, `completed` counts the epochs every network has
/// finished, and a `cancel` stops the networks within a mini-batch: each
/// goes back to where its last whole epoch left it, and the call throws
/// `TrainingInterrupted`. One network's interrupted run can be continued
/// with the same stream and gives what an uninterrupted run gives; several
/// networks may have stopped at different epochs.
public func trainTogether<X: Collection, Y: Collection>(
    _ nets: [Network], _ x: X, _ y: Y, rows: Int, epochs: Int, learningRate lr: Double, batchSize: Int,
    rng: inout RandomState, recording: Recording? = nil, progress: Progress? = nil
) throws -> [[Double]] where X.Element == Double, Y.Element == Double {
    try trainTogether(nets, x, y, rows: rows, epochs: epochs, learningRate: lr, batchSize: batchSize,
                      rng: &rng, recording: recording, maxThreads: .max, progress: progress, counts: true)
}

/// `trainTogether` on at most `maxThreads` threads (1 inside a task that is
/// itself one of many running in parallel); `counts` false leaves the
/// progress count to the caller (a sweep counts seeds) and only obeys cancel.
/// `lossesInto` (nets x epochs values), if given, receives each epoch's loss
/// as soon as it is known, before `progress` counts that epoch: a waiting
/// caller may read the losses of every epoch counted.
package func trainTogether<X: Collection, Y: Collection>(
    _ nets: [Network], _ x: X, _ y: Y, rows: Int, epochs: Int, learningRate lr: Double, batchSize: Int,
    rng: inout RandomState, recording: Recording?, maxThreads: Int, progress: Progress? = nil, counts: Bool = true,
    lossesInto: UnsafeMutableBufferPointer<Double>? = nil
) throws -> [[Double]] where X.Element == Double, Y.Element == Double {
    guard let first = nets.first else { throw SwiftMoonsError.badArgument("Need at least one network to train") }
    for (i, a) in nets.enumerated() where nets[..<i].contains(where: { $0 === a }) {
        throw SwiftMoonsError.badArgument("Network \(i) appears twice in the list to train")
    }
    guard epochs >= 1 else { throw SwiftMoonsError.badArgument("epochs must be >= 1, got \(epochs)") }
    guard batchSize >= 1 else { throw SwiftMoonsError.badArgument("batch_size must be >= 1, got \(batchSize)") }
    try Network.checkLearningRate(lr)
    guard rows >= 1 else { throw SwiftMoonsError.badArgument("The number of samples must be >= 1, got \(rows)") }
    let inW = first.inputWidth, outW = first.outputWidth, tW = first.targetWidth
    for n in nets where n.inputWidth != inW || n.outputWidth != outW || n.output != first.output {
        throw SwiftMoonsError.badShape("All networks must share input and output widths and the output kind; got \(first.layerSizes) (\(first.output)) and \(n.layerSizes) (\(n.output))")
    }
    guard x.count == (try checkedCount(rows, inW, what: "X")) else {
        throw SwiftMoonsError.badShape("X must have shape (\(rows), \(inW)), got \(x.count) values")
    }
    try first.checkFinite(x)
    try first.checkTargets(y, rows: rows)
    let rec = try recording.map { try validated($0, net: first) }
    let lossCount = try checkedCount(nets.count, epochs, what: "The loss histories")
    for n in nets where n.epochsTrained > Network.maxEpochsTrained - epochs {
        throw SwiftMoonsError.badArgument("A network may count at most \(Network.maxEpochsTrained) epochs; this one has \(n.epochsTrained)")
    }
    if let lossesInto, lossesInto.count != lossCount {
        throw SwiftMoonsError.badShape("The loss output must hold \(lossCount) values (networks x epochs), got \(lossesInto.count)")
    }

    let batch = min(batchSize, rows)
    let batchesPerEpoch = (rows + batch - 1) / batch
    // The permutations are drawn a chunk of epochs at a time (see below).
    let maxChunk = max(1, (1 << 21) / rows)
    let orderCount = try checkedCount(min(epochs, maxChunk), rows, what: "The epochs' permutations")
    // Everything this call allocates whose size the caller chose, at once.
    let snapshots = progress == nil ? 0 : nets.reduce(0) { $0 + $1.parameterCount }
    try checkAllocation(x.count + y.count + lossCount + batchesPerEpoch * nets.count + snapshots, "Training on \(rows) rows")
    try checkAllocation(2 * orderCount, of: Int.self, "The permutations of \(min(epochs, maxChunk)) epochs of \(rows) rows")
    if let rec, rec.every > 0 {
        let recordsAhead = epochs / rec.every + 1
        for n in nets where rec.parameters || !n.records.parameters.isEmpty {
            let blocks = try checkedCount(n.records.epochs.count + recordsAhead, n.parameterCount,
                                          what: "The recorded parameters")
            try checkAllocation(blocks, "Recording the parameters \(recordsAhead) times")
        }
    }
    for n in nets { try n.reserve(rows: batch) }
    let xs = Array(x), ys = Array(y)
    // Each epoch's loss goes straight to the caller's buffer where there is one.
    var losses = [Double](repeating: 0, count: lossesInto == nil ? lossCount : 0)
    var failures = [Error?](repeating: nil, count: nets.count)
    // Per network: the epochs of this call it has finished, and (when it can
    // be interrupted) its parameters at the start of the epoch in progress.
    var finished = [Int](repeating: 0, count: nets.count)
    var starts: [[Double]] = progress == nil ? [] : nets.map { $0.parameters }
    let finishedCounts = Mutex<[Int]>(finished)
    if counts { progress?.begin(total: epochs) }

    // The permutations come from `rng` in epoch order, exactly as a serial
    // loop draws them, a chunk of epochs at a time. While every network
    // trains through one chunk (each on its own thread), one more task draws
    // the next chunk, so drawing costs no time of its own once the first
    // (small) chunk is out. Networks share nothing but the read-only data
    // and orders, so the results do not depend on the number of threads.
    var current = [Int](repeating: 0, count: orderCount)
    var next = current
    @inline(__always) func draw(_ count: Int, into buffer: UnsafeMutablePointer<Int>, _ rng: inout RandomState) {
        for e in 0..<count {
            let o = buffer + e * rows
            for i in 0..<rows { o[i] = i }
            rng.shuffle(o, count: rows)
        }
    }
    var firstEpoch = 0
    var count = min(epochs, 8, maxChunk)
    // The stream as it was before the current chunk's permutations were drawn.
    var chunkStart = rng
    current.withUnsafeMutableBufferPointer { draw(count, into: $0.baseAddress!, &rng) }
    var interrupted = false
    while firstEpoch < epochs {
        // Chunks grow eightfold: drawing an epoch costs far less than training one.
        let nextCount = min(epochs - firstEpoch - count, count * 8, maxChunk)
        let beforeNext = rng
        xs.withUnsafeBufferPointer { xb in
            ys.withUnsafeBufferPointer { yb in
                current.withUnsafeBufferPointer { ob in
                    next.withUnsafeMutableBufferPointer { nb in
                        losses.withUnsafeMutableBufferPointer { lb in
                            failures.withUnsafeMutableBufferPointer { fb in
                                finished.withUnsafeMutableBufferPointer { db in
                                    starts.withUnsafeMutableBufferPointer { sb in
                                        withUnsafeMutablePointer(to: &rng) { rngPointer in
                                            let x = xb.baseAddress!, y = yb.baseAddress!, order = ob.baseAddress!
                                            let lossOut = lossesInto?.baseAddress ?? lb.baseAddress!
                                            let failed = fb.baseAddress!, upcoming = nb.baseAddress!
                                            let done = db.baseAddress!, startParams = sb.baseAddress
                                            Parallel.forEach(nets.count + (nextCount > 0 ? 1 : 0), maxThreads: maxThreads) { k in
                                                guard k < nets.count else {
                                                    draw(nextCount, into: upcoming, &rngPointer.pointee)
                                                    return
                                                }
                                                let net = nets[k]
                                                withUnsafeTemporaryAllocation(of: Double.self, capacity: batchesPerEpoch) { buf in
                                                    let batchLosses = buf.baseAddress!
                                                    for e in 0..<count {
                                                        let o = order + e * rows
                                                        var b = 0, start = 0
                                                        if let progress {
                                                            if progress.isCancelled { return }
                                                            startParams![k].withUnsafeMutableBufferPointer { net.copyParameters(into: $0) }
                                                        }
                                                        while start < rows {
                                                            if let progress, progress.isCancelled {
                                                                // Back to where the last whole epoch left it.
                                                                net.setParametersUnchecked(startParams![k])
                                                                return
                                                            }
                                                            let m = min(batch, rows - start), first = o + start
                                                            // The batch goes straight into the network's
                                                            // unit-major input and target columns.
                                                            batchLosses[b] = net.trainGathered(rows: m, lr: lr) { xin, yin, S in
                                                                gatherColumns(x, width: inW, rows: first, count: m, stride: S, xin)
                                                                gatherColumns(y, width: tW, rows: first, count: m, stride: S, yin)
                                                            }
                                                            b += 1
                                                            start += m
                                                        }
                                                        // np.mean over the list of batch losses.
                                                        lossOut[k * epochs + firstEpoch + e] = pairwiseSum(UnsafePointer(batchLosses), b, 1) / Double(b)
                                                        net.epochsTrained += 1
                                                        done[k] += 1
                                                        let epoch = firstEpoch + e + 1
                                                        if let rec, rec.every > 0, epoch % rec.every == 0 || epoch == epochs {
                                                            do { try net.record(rec) } catch { failed[k] = error }
                                                        }
                                                        if let progress, counts {
                                                            let all = finishedCounts.withLock { c -> Int in
                                                                c[k] = done[k]
                                                                return c.min() ?? 0
                                                            }
                                                            progress.setCompleted(all)
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        if let progress, progress.isCancelled {
            interrupted = true
            // The stream goes back to the start of this chunk and draws the
            // permutations of the epochs every network finished.
            let fewest = finished.min() ?? firstEpoch
            rng = chunkStart
            if fewest > firstEpoch {
                var replay = [Int](repeating: 0, count: rows)
                for _ in firstEpoch..<fewest {
                    for i in 0..<rows { replay[i] = i }
                    replay.withUnsafeMutableBufferPointer { rng.shuffle($0.baseAddress!, count: rows) }
                }
            }
            break
        }
        firstEpoch += count
        count = nextCount
        chunkStart = beforeNext
        swap(&current, &next)
    }
    let all = lossesInto.map { UnsafeBufferPointer($0) }
    let histories = (0..<nets.count).map { k in
        let range = (k * epochs)..<(k * epochs + finished[k])
        return all.map { Array($0[range]) } ?? Array(losses[range])
    }
    if interrupted { throw TrainingInterrupted(epochsCompleted: finished, losses: histories) }
    return histories
}

private func validated(_ r: Recording, net: Network) throws -> Recording {
    guard r.every >= 0 else { throw SwiftMoonsError.badArgument("record_every must be >= 0, got \(r.every)") }
    let inW = net.inputWidth, tW = net.targetWidth
    guard r.evaluationX.count % inW == 0, r.evaluationY.count * inW == r.evaluationX.count * tW else {
        throw SwiftMoonsError.badShape("The evaluation set needs n x \(inW) inputs and n x \(tW) targets; got \(r.evaluationX.count) and \(r.evaluationY.count) values")
    }
    try net.checkFinite(r.evaluationX, name: "X_eval")
    if !r.evaluationY.isEmpty {
        try net.checkTargets(r.evaluationY, rows: r.evaluationX.count / inW, name: "y_eval")
    }
    return r
}

extension Network {
    /// Appends one record: the epoch, evaluation metrics, parameters.
    func record(_ r: Recording) throws {
        records.epochs.append(epochsTrained)
        let rows = r.evaluationX.count / inputWidth
        if rows > 0 {
            let (loss, accuracy) = try evaluate(r.evaluationX, r.evaluationY, rows: rows)
            records.evaluationLoss.append(loss)
            records.evaluationAccuracy.append(accuracy)
        } else {
            records.evaluationLoss.append(.nan)
            records.evaluationAccuracy.append(.nan)
        }
        // Parameters come one block per record, or not at all: once any
        // record has them, records made without them hold a block of NaN.
        // (Room for every block was checked before training started.)
        guard r.parameters || !records.parameters.isEmpty else { return }
        let missing = records.epochs.count - 1 - records.parameters.count / max(params.count, 1)
        if missing > 0 { records.parameters.append(contentsOf: repeatElement(.nan, count: missing * params.count)) }
        if r.parameters {
            records.parameters.append(contentsOf: params)
        } else {
            records.parameters.append(contentsOf: repeatElement(.nan, count: params.count))
        }
    }
}
