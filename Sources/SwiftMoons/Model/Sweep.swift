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
    try checkAllocation(try checkedCount(tasksTotal, s.epochs, what: "The sweep's loss histories") + tasksTotal,
                        "The sweep's loss histories (\(tasksTotal) networks x \(s.epochs) epochs)")
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

    let acts = activations.count, tasks = netSeeds.count * acts
    _ = try checkedCount(tasks, s.epochs, what: "The sweep's loss histories")
    var losses = [Double](repeating: 0, count: tasks * s.epochs)
    var accuracy = [Double](repeating: 0, count: tasks)
    var failures = [Error?](repeating: nil, count: netSeeds.count)
    losses.withUnsafeMutableBufferPointer { lb in
        accuracy.withUnsafeMutableBufferPointer { ab in
            failures.withUnsafeMutableBufferPointer { fb in
                let lossOut = lb.baseAddress!, accOut = ab.baseAddress!, failed = fb.baseAddress!
                // Seeds run in parallel; a seed's networks too only when
                // there are fewer seeds than threads.
                let innerThreads = netSeeds.count >= Parallel.threadCount ? 1 : Int.max
                Parallel.forEach(netSeeds.count) { seedIndex in
                    do {
                        try progress?.check("The sweep")
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
        }
    }
    try progress?.check("The sweep")
    if let failure = failures.compactMap({ $0 }).first { throw failure }
    return (losses, accuracy)
}
