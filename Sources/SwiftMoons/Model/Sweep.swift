/// The settings of the article's run that a sweep shares across seeds.
public struct ArticleSettings: Sendable {
    public var samples = 400
    public var noise = 0.18
    public var dataSeed = 42
    public var splitSeed = 42
    public var epochs = 800
    public var learningRate = 0.05
    public var batchSize = 64
    public var layerSizes = [2, 8, 8, 1]

    public init() {}
}

/// The article's run for every network seed and activation, in parallel:
/// the data (make_moons, standardized, split) is made once; then each seed
/// is one task that builds one network per activation, each from a stream
/// seeded with the seed (as the article's constructor reseeds), and trains
/// them on the permutations that follow in that stream, as the article's
/// loop draws them after its last constructor. Every activation's networks
/// draw the same number of weights, so all of a seed's networks share one
/// stream of permutations, drawn once. Tasks share nothing, so results do
/// not depend on the number of threads.
///
/// Returns the loss histories (seeds x activations x epochs, flat) and the
/// test accuracies (seeds x activations).
///
/// With a `progress`, `completed` counts the seeds done, and a `cancel`
/// stops the sweep within an epoch of each running network; it then throws
/// `cancelled` and returns nothing.
public func articleSweep(netSeeds: [Int], activations: [Activation], settings s: ArticleSettings,
                         progress: Progress? = nil) throws -> (losses: [Double], accuracy: [Double]) {
    let tasks = try checkedCount(netSeeds.count, activations.count, what: "The sweep's tasks")
    let count = try checkedCount(tasks, max(s.epochs, 0), what: "The sweep's loss histories")
    try checkAllocation(count + tasks, "The sweep's loss histories (\(tasks) networks x \(s.epochs) epochs)")
    var losses = [Double](repeating: 0, count: count), accuracy = [Double](repeating: 0, count: tasks)
    try losses.withUnsafeMutableBufferPointer { lb in
        try accuracy.withUnsafeMutableBufferPointer { ab in
            try articleSweep(netSeeds: netSeeds, activations: activations, settings: s, losses: lb, accuracy: ab,
                             progress: progress)
        }
    }
    return (losses, accuracy)
}

/// `articleSweep`, writing the loss histories (seeds x activations x
/// epochs) and accuracies (seeds x activations) into the caller's buffers:
/// a large sweep's histories are not made twice (100,000 seeds of the
/// article hold 1.3 GB). On failure the buffers hold partial results.
public func articleSweep(netSeeds: [Int], activations: [Activation], settings s: ArticleSettings,
                         losses: UnsafeMutableBufferPointer<Double>, accuracy: UnsafeMutableBufferPointer<Double>,
                         progress: Progress? = nil) throws {
    guard !netSeeds.isEmpty, !activations.isEmpty else {
        throw SwiftMoonsError.badArgument("A sweep needs at least one seed and one activation")
    }
    for seed in netSeeds { _ = try RandomState(seed: seed) }
    guard s.epochs >= 1 else { throw SwiftMoonsError.badArgument("epochs must be >= 1, got \(s.epochs)") }
    guard s.batchSize >= 1 else { throw SwiftMoonsError.badArgument("batch_size must be >= 1, got \(s.batchSize)") }
    try Network.checkLearningRate(s.learningRate)
    guard s.noise.isFinite, s.noise >= 0 else {
        throw SwiftMoonsError.badArgument("noise must be a finite number >= 0, got \(s.noise)")
    }
    guard s.samples >= 4 else { throw SwiftMoonsError.badArgument("n_samples must be >= 4, got \(s.samples)") }
    guard s.layerSizes.first == 2, s.layerSizes.last == 1 else {
        throw SwiftMoonsError.badArgument("The article's networks map 2 inputs to 1 output, got \(s.layerSizes)")
    }
    // The data and its copies (moons, standardized, split, gathered) are
    // about a dozen values per sample; each running seed holds its
    // networks, batch scratch and permutations besides.
    try checkAllocation(try checkedCount(12, s.samples, what: "The sweep's data"), "The sweep's data of \(s.samples) samples")
    let tasksTotal = try checkedCount(netSeeds.count, activations.count, what: "The sweep's tasks")
    guard losses.count == (try checkedCount(tasksTotal, s.epochs, what: "The sweep's loss histories")),
          accuracy.count == tasksTotal, let lossOut = losses.baseAddress, let accOut = accuracy.baseAddress else {
        throw SwiftMoonsError.badShape("The sweep's buffers must hold \(tasksTotal) x \(s.epochs) losses and \(tasksTotal) accuracies")
    }
    progress?.begin(total: netSeeds.count)
    // The data, as article.run makes it.
    var dataRng = try RandomState(seed: s.dataSeed)
    let nOut = s.samples / 2
    let moons = try makeMoons(nOut: nOut, nIn: s.samples - nOut, noise: s.noise, shuffle: true, rng: &dataRng)
    let x = try standardize(moons.x, rows: s.samples, columns: 2).x
    var splitRng = try RandomState(seed: s.splitSeed)
    let nTest = try testCount(samples: s.samples, testSize: 0.25)
    let (testIdx, trainIdx) = try splitIndices(samples: s.samples, testCount: nTest, rng: &splitRng)
    let xTrain = trainIdx.flatMap { [x[2 * $0], x[2 * $0 + 1]] }, yTrain = trainIdx.map { Double(moons.y[$0]) }
    let xTest = testIdx.flatMap { [x[2 * $0], x[2 * $0 + 1]] }, yTest = testIdx.map { Double(moons.y[$0]) }

    let acts = activations.count
    var failures = [Error?](repeating: nil, count: netSeeds.count)
    failures.withUnsafeMutableBufferPointer { fb in
        let failed = fb.baseAddress!
        // Seeds run in parallel; a seed's networks too only when
        // there are fewer seeds than threads.
        let innerThreads = netSeeds.count >= Parallel.threadCount ? 1 : Int.max
        Parallel.forEach(netSeeds.count) { seedIndex in
            // Once cancelled, the seeds not started are skipped at the
            // cost of one load each (a thrown error per seed took
            // about a second for 100,000 seeds); the check after
            // the loop throws.
            if let progress, progress.isCancelled { return }
            do {
                var streams: [RandomState] = []
                let nets = try activations.map { act in
                    var rng = try RandomState(seed: netSeeds[seedIndex])
                    let net = try Network(layerSizes: s.layerSizes, activations: [act], rng: &rng)
                    streams.append(rng)
                    return net
                }
                // One permutation stream for all, as long as every
                // construction left the stream at the same place (it
                // does: the same layer sizes draw the same weights).
                let groups = streams.allSatisfy({ $0 == streams[0] }) ? [Array(0..<acts)] : (0..<acts).map { [$0] }
                for group in groups {
                    var rng = streams[group[0]]
                    let histories = try trainTogether(group.map { nets[$0] }, xTrain, yTrain, rows: yTrain.count,
                                                      epochs: s.epochs, learningRate: s.learningRate,
                                                      batchSize: s.batchSize, rng: &rng, recording: nil,
                                                      maxThreads: innerThreads, progress: progress, counts: false)
                    for (a, history) in zip(group, histories) {
                        (lossOut + (seedIndex * acts + a) * s.epochs).update(from: history, count: s.epochs)
                    }
                }
                for (a, net) in nets.enumerated() {
                    accOut[seedIndex * acts + a] = try net.evaluate(xTest, yTest, rows: yTest.count).accuracy
                }
                progress?.advance()
            } catch {
                failed[seedIndex] = error
            }
        }
    }
    try progress?.check("The sweep")
    if let failure = failures.compactMap({ $0 }).first { throw failure }
}
